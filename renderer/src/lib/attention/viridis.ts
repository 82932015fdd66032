/**
 * Viridis (van der Walt & Smith, matplotlib's default): perceptually uniform, readable in grey and by people with
 * common colour-vision deficiencies. Nine stops of the original, interpolated linearly.
 */
const STOPS: [number, number, number][] = [
  [0x44, 0x01, 0x54],
  [0x47, 0x2d, 0x7b],
  [0x3b, 0x52, 0x8b],
  [0x2c, 0x72, 0x8e],
  [0x21, 0x91, 0x8c],
  [0x28, 0xae, 0x80],
  [0x5e, 0xc9, 0x62],
  [0xad, 0xdc, 0x30],
  [0xfd, 0xe7, 0x25],
];

/** 256 colours as `rgb(r g b)` strings. */
const TABLE: string[] = Array.from({ length: 256 }, (_, i) => {
  const [r, g, b] = viridisRgb(i / 255);
  return `rgb(${r} ${g} ${b})`;
});

export function viridisRgb(value: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(t));
  const f = t - i;
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as [number, number, number];
}

export function viridis(value: number): string {
  return TABLE[Math.round(Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0)) * 255)]!;
}

/** Text drawn on a cell of this value: dark on the bright end of the map, light on the dark end. */
export function textOn(value: number): string {
  return value > 0.62 ? '#1b1b1b' : '#f5f5f5';
}

/** Gradient stops for SVG and CSS (offset in [0, 1], colour). */
export function viridisStops(count = 9): [number, string][] {
  return Array.from({ length: count }, (_, i) => [i / (count - 1), viridis(i / (count - 1))]);
}
