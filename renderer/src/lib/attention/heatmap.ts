/**
 * The attention heatmap, drawn the same way on screen (canvas), into a PNG and into an SVG: source tokens across
 * the top, output tokens down the left, one cell per weight, a colour bar for the scale.
 */
import { textOn, viridis, viridisStops } from './viridis.js';

export interface HeatmapData {
  sourceTokens: string[];
  targetTokens: string[];
  /** Row-major, targetTokens.length × sourceTokens.length. */
  weights: ArrayLike<number>;
}

export interface HeatmapLayout {
  cell: number;
  rows: number;
  cols: number;
  /** Top-left corner of the grid of cells. */
  gridLeft: number;
  gridTop: number;
  colourBarLeft: number;
  width: number;
  height: number;
  font: string;
  fontBold: string;
}

export interface HeatmapColours {
  text: string;
  muted: string;
  highlight: string;
  background: string | null;
}

const LABEL_ANGLE = Math.PI / 4;
const PADDING = 8;
const COLOUR_BAR = 12;
const COLOUR_BAR_GAP = 16;

export function layoutHeatmap(
  data: HeatmapData,
  measure: (text: string, font: string) => number,
  options: { maxWidth: number; fontFamily: string },
): HeatmapLayout {
  const rows = data.targetTokens.length;
  const cols = data.sourceTokens.length;
  const font = `12px ${options.fontFamily}`;
  const fontBold = `600 12px ${options.fontFamily}`;
  const widest = (tokens: string[]): number => Math.max(0, ...tokens.map((t) => measure(t, fontBold)));
  const leftLabels = widest(data.targetTokens) + 10;
  const topLabelWidth = widest(data.sourceTokens);
  const gridTop = PADDING + Math.ceil(topLabelWidth * Math.sin(LABEL_ANGLE)) + 14;
  const gridLeft = PADDING + Math.ceil(leftLabels);
  // Room on the right for the colour bar and for the last source labels, which lean right.
  const right = COLOUR_BAR + 40;
  const fit = Math.floor((options.maxWidth - gridLeft - COLOUR_BAR_GAP - right) / Math.max(1, cols));
  const cell = Math.max(14, Math.min(46, fit));
  const gridWidth = cell * cols;
  const gridHeight = cell * rows;
  const colourBarLeft = gridLeft + gridWidth + COLOUR_BAR_GAP;
  return {
    cell,
    rows,
    cols,
    gridLeft,
    gridTop,
    colourBarLeft,
    width: Math.ceil(colourBarLeft + right),
    height: Math.ceil(gridTop + gridHeight + PADDING + 4),
    font,
    fontBold,
  };
}

export function cellAt(layout: HeatmapLayout, x: number, y: number): { row: number; col: number } | null {
  const col = Math.floor((x - layout.gridLeft) / layout.cell);
  const row = Math.floor((y - layout.gridTop) / layout.cell);
  if (col < 0 || row < 0 || col >= layout.cols || row >= layout.rows) return null;
  return { row, col };
}

export function drawHeatmap(
  ctx: CanvasRenderingContext2D,
  data: HeatmapData,
  layout: HeatmapLayout,
  colours: HeatmapColours,
  focus: { row: number; col: number } | null,
): void {
  const { cell, gridLeft, gridTop, rows, cols } = layout;
  ctx.clearRect(0, 0, layout.width, layout.height);
  if (colours.background !== null) {
    ctx.fillStyle = colours.background;
    ctx.fillRect(0, 0, layout.width, layout.height);
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const value = data.weights[r * cols + c] ?? 0;
      ctx.fillStyle = viridis(value);
      ctx.fillRect(gridLeft + c * cell, gridTop + r * cell, cell, cell);
      if (cell >= 34) {
        ctx.fillStyle = textOn(value);
        ctx.font = `10px ${layout.font.split('px ')[1]}`;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        ctx.fillText(value.toFixed(2).replace(/^0/, ''), gridLeft + c * cell + cell / 2, gridTop + r * cell + cell / 2);
      }
    }
  }
  // Output tokens, down the left.
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  data.targetTokens.forEach((token, r) => {
    const active = focus?.row === r;
    ctx.font = active ? layout.fontBold : layout.font;
    ctx.fillStyle = active ? colours.highlight : colours.text;
    ctx.fillText(token, gridLeft - 8, gridTop + r * cell + cell / 2);
  });
  // Source tokens, across the top, leaning right.
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  data.sourceTokens.forEach((token, c) => {
    const active = focus?.col === c;
    ctx.save();
    ctx.translate(gridLeft + c * cell + cell / 2, gridTop - 8);
    ctx.rotate(-LABEL_ANGLE);
    ctx.font = active ? layout.fontBold : layout.font;
    ctx.fillStyle = active ? colours.highlight : colours.text;
    ctx.fillText(token, 0, 0);
    ctx.restore();
  });
  if (focus !== null) {
    ctx.strokeStyle = colours.highlight;
    ctx.lineWidth = 2;
    ctx.strokeRect(gridLeft + focus.col * cell + 1, gridTop + focus.row * cell + 1, cell - 2, cell - 2);
  }
  // Colour bar, 1 at the top.
  const barHeight = rows * cell;
  const gradient = ctx.createLinearGradient(0, gridTop + barHeight, 0, gridTop);
  for (const [offset, colour] of viridisStops()) gradient.addColorStop(offset, colour);
  ctx.fillStyle = gradient;
  ctx.fillRect(layout.colourBarLeft, gridTop, COLOUR_BAR, barHeight);
  ctx.fillStyle = colours.muted;
  ctx.font = `10px ${layout.font.split('px ')[1]}`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText('1', layout.colourBarLeft + COLOUR_BAR + 4, gridTop);
  ctx.textBaseline = 'bottom';
  ctx.fillText('0', layout.colourBarLeft + COLOUR_BAR + 4, gridTop + barHeight);
}

const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/** The same picture as a standalone SVG document (vector: sharp at any size, editable in a paper's figure). */
export function heatmapSvg(data: HeatmapData, layout: HeatmapLayout, colours: HeatmapColours, title: string): string {
  const { cell, gridLeft, gridTop, rows, cols } = layout;
  const family = escapeXml(layout.font.split('px ')[1] ?? 'sans-serif');
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" ` +
      `viewBox="0 0 ${layout.width} ${layout.height}" font-family="${family}" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
  );
  if (colours.background !== null) {
    out.push(`<rect width="${layout.width}" height="${layout.height}" fill="${colours.background}"/>`);
  }
  out.push('<g shape-rendering="crispEdges">');
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const value = data.weights[r * cols + c] ?? 0;
      out.push(
        `<rect x="${gridLeft + c * cell}" y="${gridTop + r * cell}" width="${cell}" height="${cell}" ` +
          `fill="${viridis(value)}"><title>${escapeXml(data.targetTokens[r]!)} ← ${escapeXml(
            data.sourceTokens[c]!,
          )}: ${value.toFixed(3)}</title></rect>`,
      );
    }
  }
  out.push('</g>');
  if (cell >= 34) {
    out.push('<g font-size="10" text-anchor="middle" dominant-baseline="central">');
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const value = data.weights[r * cols + c] ?? 0;
        out.push(
          `<text x="${gridLeft + c * cell + cell / 2}" y="${gridTop + r * cell + cell / 2}" fill="${textOn(value)}">` +
            `${value.toFixed(2).replace(/^0/, '')}</text>`,
        );
      }
    }
    out.push('</g>');
  }
  out.push(`<g fill="${colours.text}" text-anchor="end" dominant-baseline="central">`);
  data.targetTokens.forEach((token, r) => {
    out.push(`<text x="${gridLeft - 8}" y="${gridTop + r * cell + cell / 2}">${escapeXml(token)}</text>`);
  });
  out.push('</g>', `<g fill="${colours.text}" dominant-baseline="central">`);
  data.sourceTokens.forEach((token, c) => {
    const x = gridLeft + c * cell + cell / 2;
    const y = gridTop - 8;
    out.push(`<text transform="translate(${x} ${y}) rotate(-45)">${escapeXml(token)}</text>`);
  });
  out.push('</g>');
  const stops = viridisStops()
    .map(([offset, colour]) => `<stop offset="${offset}" stop-color="${colour}"/>`)
    .join('');
  out.push(
    `<defs><linearGradient id="viridis" x1="0" y1="1" x2="0" y2="0">${stops}</linearGradient></defs>`,
    `<rect x="${layout.colourBarLeft}" y="${gridTop}" width="${COLOUR_BAR}" height="${rows * cell}" fill="url(#viridis)"/>`,
    `<g fill="${colours.muted}" font-size="10">`,
    `<text x="${layout.colourBarLeft + COLOUR_BAR + 4}" y="${gridTop}" dominant-baseline="hanging">1</text>`,
    `<text x="${layout.colourBarLeft + COLOUR_BAR + 4}" y="${gridTop + rows * cell}">0</text>`,
    '</g>',
    '</svg>',
  );
  return out.join('\n') + '\n';
}
