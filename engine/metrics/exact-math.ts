// exp and log rounded correctly to the nearest double. sacrebleu's BLEU goes through Python's math.exp and
// math.log, which on Linux are glibc's and (nearly always) correctly rounded; V8's Math.exp and Math.log are
// within an ulp but round differently about one time in ten, which changes the last digits of a BLEU score.
// Evaluating in double-double arithmetic (about 106 bits) and rounding once makes the two agree.

/** A double-double: the unevaluated sum hi + lo with |lo| ≤ ulp(hi) / 2. */
interface DoubleDouble {
  hi: number;
  lo: number;
}

function twoSum(a: number, b: number): DoubleDouble {
  const hi = a + b;
  const v = hi - a;
  return { hi, lo: a - (hi - v) + (b - v) };
}

// Dekker's split of a double into two 26-bit halves, for an exact product without FMA.
const SPLITTER = 134217729; // 2^27 + 1
function twoProduct(a: number, b: number): DoubleDouble {
  const hi = a * b;
  const aBig = SPLITTER * a;
  const aHi = aBig - (aBig - a);
  const aLo = a - aHi;
  const bBig = SPLITTER * b;
  const bHi = bBig - (bBig - b);
  const bLo = b - bHi;
  return { hi, lo: aLo * bLo - (hi - aHi * bHi - aLo * bHi - aHi * bLo) };
}

function add(a: DoubleDouble, b: DoubleDouble): DoubleDouble {
  const s = twoSum(a.hi, b.hi);
  const t = twoSum(a.lo, b.lo);
  const u = twoSum(s.hi, s.lo + t.hi);
  return twoSum(u.hi, u.lo + t.lo);
}

function multiply(a: DoubleDouble, b: DoubleDouble): DoubleDouble {
  const p = twoProduct(a.hi, b.hi);
  return twoSum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

function divide(a: DoubleDouble, b: DoubleDouble): DoubleDouble {
  const q1 = a.hi / b.hi;
  const r = add(a, multiply(b, { hi: -q1, lo: 0 }));
  const q2 = r.hi / b.hi;
  const r2 = add(r, multiply(b, { hi: -q2, lo: 0 }));
  const q3 = r2.hi / b.hi;
  return add(twoSum(q1, q2), { hi: q3, lo: 0 });
}

// ln 2 to about 107 bits.
const LN2: DoubleDouble = { hi: 0.6931471805599453, lo: 2.3190468138462996e-17 };

/** e^x in double-double, for |x| up to about 700. */
function expDoubleDouble(x: DoubleDouble): DoubleDouble {
  // x = k ln2 + r with |r| ≤ ln2 / 2, then e^r by its Taylor series (|r|^n / n! < 2^-110 by n = 27).
  const k = Math.round(x.hi / LN2.hi);
  const r = add(x, multiply(LN2, { hi: -k, lo: 0 }));
  let term: DoubleDouble = { hi: 1, lo: 0 };
  let sum: DoubleDouble = { hi: 1, lo: 0 };
  for (let n = 1; n <= 27; n++) {
    term = divide(multiply(term, r), { hi: n, lo: 0 });
    sum = add(sum, term);
  }
  return { hi: sum.hi * 2 ** k, lo: sum.lo * 2 ** k };
}

/** e^x rounded to the nearest double. */
export function exactExp(x: number): number {
  if (!Number.isFinite(x) || x > 709 || x < -708) return Math.exp(x);
  const result = expDoubleDouble({ hi: x, lo: 0 });
  return result.hi + result.lo;
}

/** ln x rounded to the nearest double. */
export function exactLog(x: number): number {
  if (!Number.isFinite(x) || x <= 0 || x < 1e-300 || x > 1e300) return Math.log(x);
  // Two Newton steps on e^y = x from Math.log's estimate: y ← y + (x − e^y) / e^y.
  let y: DoubleDouble = { hi: Math.log(x), lo: 0 };
  for (let step = 0; step < 2; step++) {
    const e = expDoubleDouble(y);
    y = add(y, divide(add({ hi: x, lo: 0 }, { hi: -e.hi, lo: -e.lo }), e));
  }
  return y.hi + y.lo;
}
