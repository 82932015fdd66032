// The fused kernels, written once over a vector type. No include guard on purpose: each fused_<isa>.cc includes
// it once inside its own anonymous namespace, after defining MTLAB_TARGET (its instruction set's function
// attribute) and `V`, the vector traits:
//
//   F                        a vector of kWidth floats;  M  a lane mask;  Acc  a double accumulator of kWidth lanes
//   zero() set1(f) load(p) store(p, v)
//   load_n(p, n) store_n(p, v, n)     the first n lanes (n ≤ kWidth); load_n zero-fills, load_fill(p, n, f) fills f
//   add sub mul div min max sqrt abs round(nearest even) or_sign(magnitude, sign_source) lanes_below(n)
//   fmadd(a, b, c) = a·b + c   fnmadd(a, b, c) = c − a·b    (fused where the instruction set has FMA)
//   less(a, b) → M   select(m, if_true, if_false)   keep(v, n): lanes ≥ n zeroed
//   scale2(y, n) = y·2ⁿ for whole n in [−150, 129], correctly rounded into the subnormal range and to infinity
//   reduce_max(v)   acc_zero() acc_add(acc, v) acc_fmadd(acc, a, b) acc_sum(acc)   (the Acc ones in double)
//   acc_round(acc): the accumulator's lanes rounded to floats
//   min/max(a, b) return b when either is NaN (x86 semantics), so min(limit, x) keeps a NaN x.
//
// Arithmetic follows engine/backend/compute.ts: the same formulas in the same order, element-wise values in float,
// dot products, softmax denominators and the loss in double as the reference's JavaScript numbers are, and
// accumulations into float arrays (contexts, gradients of shared inputs) in the reference's order.

#ifndef MTLAB_INLINE
#define MTLAB_INLINE inline
#endif

using F = V::F;
constexpr int W = V::kWidth;

MTLAB_TARGET MTLAB_INLINE int lanes_at(Index j, Index n) { return n - j >= W ? W : static_cast<int>(n - j); }

// ---- Element-wise functions ----

// e^x with at most 2 ulp error for normal results (Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, a degree-6 polynomial),
// correctly rounded subnormals, +inf above ~88.72 and 0 below ~-103.97. NaN propagates.
MTLAB_TARGET MTLAB_INLINE F exp_v(F x) {
  x = V::min(V::set1(89.0f), V::max(V::set1(-104.0f), x));
  const F n = V::round(V::mul(x, V::set1(1.44269504088896341f)));
  // ln 2 in two parts; n·0.693359375 is exact (few bits), so the reduction is exact without FMA too.
  F r = V::fnmadd(n, V::set1(0.693359375f), x);
  r = V::fnmadd(n, V::set1(-2.12194440e-4f), r);
  F p = V::set1(1.9875691500e-4f);
  p = V::fmadd(p, r, V::set1(1.3981999507e-3f));
  p = V::fmadd(p, r, V::set1(8.3334519073e-3f));
  p = V::fmadd(p, r, V::set1(4.1665795894e-2f));
  p = V::fmadd(p, r, V::set1(1.6666665459e-1f));
  p = V::fmadd(p, r, V::set1(5.0000001201e-1f));
  const F y = V::add(V::fmadd(p, V::mul(r, r), r), V::set1(1.0f));
  return V::scale2(y, n);
}

// tanh x (Cephes tanhf): an odd polynomial below |x| = 0.625, where tanh x ≈ x keeps its relative accuracy, and
// 1 − 2/(e^{2|x|} + 1) above, saturating at |x| = 9 (tanh 9 rounds to 1).
MTLAB_TARGET MTLAB_INLINE F tanh_v(F x) {
  const F ax = V::abs(x);
  const F z = V::mul(x, x);
  F p = V::set1(-5.70498872745e-3f);
  p = V::fmadd(p, z, V::set1(2.06390887954e-2f));
  p = V::fmadd(p, z, V::set1(-5.37397155531e-2f));
  p = V::fmadd(p, z, V::set1(1.33314422036e-1f));
  p = V::fmadd(p, z, V::set1(-3.33332819422e-1f));
  const F small = V::fmadd(V::mul(p, z), x, x);
  const F e = exp_v(V::add(V::min(V::set1(9.0f), ax), V::min(V::set1(9.0f), ax)));
  const F large = V::sub(V::set1(1.0f), V::div(V::set1(2.0f), V::add(e, V::set1(1.0f))));
  return V::select(V::less(ax, V::set1(0.625f)), small, V::or_sign(large, x));
}

// 1 / (1 + e^-x), as e^x / (1 + e^x) for x < 0 so that e^-x cannot overflow (tiny results keep their accuracy).
MTLAB_TARGET MTLAB_INLINE F sigmoid_v(F x) {
  const F one = V::set1(1.0f);
  const F e = exp_v(V::sub(V::zero(), V::abs(x)));
  return V::div(V::select(V::less(x, V::zero()), e, one), V::add(one, e));
}

// 1 − t², exact to a rounding for |t| near 1 (where t·t would cancel).
MTLAB_TARGET MTLAB_INLINE F one_minus_square(F t) {
  const F one = V::set1(1.0f);
  return V::mul(V::sub(one, t), V::add(one, t));
}

// old + m·(new − old), exactly `new` for m = 1 and `old` for m = 0 (the padding masks).
MTLAB_TARGET MTLAB_INLINE F masked_update(F old_value, F new_value, float m) {
  if (m == 1.0f) return new_value;
  if (m == 0.0f) return old_value;
  return V::fmadd(V::set1(m), V::sub(new_value, old_value), old_value);
}

MTLAB_TARGET void exp_array(const float* x, Index n, float* out) {
  for (Index j = 0; j < n; j += W) {
    const int lanes = lanes_at(j, n);
    V::store_n(out + j, exp_v(V::load_n(x + j, lanes)), lanes);
  }
}

MTLAB_TARGET void tanh_array(const float* x, Index n, float* out) {
  for (Index j = 0; j < n; j += W) {
    const int lanes = lanes_at(j, n);
    V::store_n(out + j, tanh_v(V::load_n(x + j, lanes)), lanes);
  }
}

MTLAB_TARGET void sigmoid_array(const float* x, Index n, float* out) {
  for (Index j = 0; j < n; j += W) {
    const int lanes = lanes_at(j, n);
    V::store_n(out + j, sigmoid_v(V::load_n(x + j, lanes)), lanes);
  }
}

// ---- Reductions ----

// Σ a·b in double (products of floats are exact in double).
MTLAB_TARGET MTLAB_INLINE double dot_f64(const float* a, const float* b, Index n) {
  V::Acc acc = V::acc_zero();
  for (Index j = 0; j < n; j += W) {
    const int lanes = lanes_at(j, n);
    V::acc_fmadd(acc, V::load_n(a + j, lanes), V::load_n(b + j, lanes));
  }
  return V::acc_sum(acc);
}

MTLAB_TARGET double sum_of_squares(const float* x, Index n) {
  // Two accumulators: the additions of one would be a chain of dependent instructions.
  V::Acc even = V::acc_zero(), odd = V::acc_zero();
  Index j = 0;
  for (; j + 2 * W <= n; j += 2 * W) {
    const F a = V::load(x + j), b = V::load(x + j + W);
    V::acc_fmadd(even, a, a);
    V::acc_fmadd(odd, b, b);
  }
  for (; j < n; j += W) {
    const F a = V::load_n(x + j, lanes_at(j, n));
    V::acc_fmadd(even, a, a);
  }
  return V::acc_sum(even) + V::acc_sum(odd);
}

MTLAB_TARGET void column_sums(const float* x, Index rows, Index cols, float* out) {
  // Blocks of columns summed in registers over all rows, in double, each column adding its rows in order.
  constexpr int kBlock = 4;
  Index c = 0;
  for (; c + kBlock * W <= cols; c += kBlock * W) {
    V::Acc acc[kBlock];
    for (int k = 0; k < kBlock; ++k) acc[k] = V::acc_zero();
    for (Index r = 0; r < rows; ++r) {
      const float* row = x + r * cols + c;
      for (int k = 0; k < kBlock; ++k) V::acc_add(acc[k], V::load(row + k * W));
    }
    for (int k = 0; k < kBlock; ++k) V::store(out + c + k * W, V::acc_round(acc[k]));
  }
  for (; c < cols; c += W) {
    const int lanes = lanes_at(c, cols);
    V::Acc acc = V::acc_zero();
    for (Index r = 0; r < rows; ++r) V::acc_add(acc, V::load_n(x + r * cols + c, lanes));
    V::store_n(out + c, V::acc_round(acc), lanes);
  }
}

// ---- Adam ----

MTLAB_TARGET void adam_step(const AdamArgs& a) {
  // Coefficients rounded once from their double values (1 − β2 in float would be off by 1e-5 relative).
  const F grad_scale = V::set1(static_cast<float>(a.grad_scale));
  const F beta1 = V::set1(static_cast<float>(a.beta1));
  const F one_minus_beta1 = V::set1(static_cast<float>(1.0 - a.beta1));
  const F beta2 = V::set1(static_cast<float>(a.beta2));
  const F one_minus_beta2 = V::set1(static_cast<float>(1.0 - a.beta2));
  const F step_size = V::set1(static_cast<float>(a.learning_rate / a.correction1));
  const F root2 = V::set1(static_cast<float>(std::sqrt(a.correction2)));
  const F epsilon = V::set1(static_cast<float>(a.epsilon));
  for (Index j = 0; j < a.n; j += W) {
    const int lanes = lanes_at(j, a.n);
    const F g = V::mul(V::load_n(a.grad + j, lanes), grad_scale);
    const F m = V::fmadd(beta1, V::load_n(a.m + j, lanes), V::mul(one_minus_beta1, g));
    const F v = V::fmadd(beta2, V::load_n(a.v + j, lanes), V::mul(V::mul(one_minus_beta2, g), g));
    const F param = V::load_n(a.param + j, lanes);
    const F denominator = V::add(V::div(V::sqrt(v), root2), epsilon);
    V::store_n(a.m_out + j, m, lanes);
    V::store_n(a.v_out + j, v, lanes);
    V::store_n(a.param_out + j, V::sub(param, V::div(V::mul(step_size, m), denominator)), lanes);
  }
}

// ---- Recurrent cells ----

MTLAB_TARGET void gru_forward(const GruForwardArgs& a) {
  const Index hidden = a.hidden;
  for (Index b = 0; b < a.batch; ++b) {
    const float* x = a.x + b * 3 * hidden;
    const float* g = a.g + b * 3 * hidden;
    const float* h = a.h + b * hidden;
    float* out = a.out + b * hidden;
    float* cache = a.cache + b * 4 * hidden;
    const float m = a.mask[b];
    for (Index j = 0; j < hidden; j += W) {
      const int lanes = lanes_at(j, hidden);
      const F r = sigmoid_v(V::add(V::load_n(x + j, lanes), V::load_n(g + j, lanes)));
      const F z = sigmoid_v(V::add(V::load_n(x + hidden + j, lanes), V::load_n(g + hidden + j, lanes)));
      const F gn = V::load_n(g + 2 * hidden + j, lanes);
      const F n = tanh_v(V::fmadd(r, gn, V::load_n(x + 2 * hidden + j, lanes)));
      const F old_h = V::load_n(h + j, lanes);
      const F fresh = V::fmadd(z, V::sub(old_h, n), n);
      V::store_n(out + j, masked_update(old_h, fresh, m), lanes);
      V::store_n(cache + j, r, lanes);
      V::store_n(cache + hidden + j, z, lanes);
      V::store_n(cache + 2 * hidden + j, n, lanes);
      V::store_n(cache + 3 * hidden + j, gn, lanes);
    }
  }
}

MTLAB_TARGET void gru_backward(const GruBackwardArgs& a) {
  const Index hidden = a.hidden;
  const F one = V::set1(1.0f);
  for (Index b = 0; b < a.batch; ++b) {
    const float* dh = a.dh + b * hidden;
    const float* cache = a.cache + b * 4 * hidden;
    const float* h = a.h + b * hidden;
    float* dx = a.dx + b * 3 * hidden;
    float* dg = a.dg + b * 3 * hidden;
    float* dh_prev = a.dh_prev + b * hidden;
    const F m = V::set1(a.mask[b]);
    const F keep = V::set1(1.0f - a.mask[b]);
    for (Index j = 0; j < hidden; j += W) {
      const int lanes = lanes_at(j, hidden);
      const F d_out = V::load_n(dh + j, lanes);
      const F d = V::mul(m, d_out);
      const F r = V::load_n(cache + j, lanes);
      const F z = V::load_n(cache + hidden + j, lanes);
      const F n = V::load_n(cache + 2 * hidden + j, lanes);
      const F gn = V::load_n(cache + 3 * hidden + j, lanes);
      const F dz = V::mul(d, V::sub(V::load_n(h + j, lanes), n));
      const F dan = V::mul(V::mul(d, V::sub(one, z)), one_minus_square(n));
      const F dar = V::mul(V::mul(V::mul(dan, gn), r), V::sub(one, r));
      const F daz = V::mul(V::mul(dz, z), V::sub(one, z));
      V::store_n(dx + j, dar, lanes);
      V::store_n(dx + hidden + j, daz, lanes);
      V::store_n(dx + 2 * hidden + j, dan, lanes);
      V::store_n(dg + j, dar, lanes);
      V::store_n(dg + hidden + j, daz, lanes);
      V::store_n(dg + 2 * hidden + j, V::mul(dan, r), lanes);
      V::store_n(dh_prev + j, V::fmadd(d, z, V::mul(keep, d_out)), lanes);
    }
  }
}

MTLAB_TARGET void lstm_forward(const LstmForwardArgs& a) {
  const Index hidden = a.hidden;
  for (Index b = 0; b < a.batch; ++b) {
    const float* x = a.x + b * 4 * hidden;
    const float* g = a.g + b * 4 * hidden;
    const float* h = a.h + b * hidden;
    const float* c = a.c + b * hidden;
    float* h_out = a.h_out + b * hidden;
    float* c_out = a.c_out + b * hidden;
    float* cache = a.cache + b * 5 * hidden;
    const float m = a.mask[b];
    for (Index j = 0; j < hidden; j += W) {
      const int lanes = lanes_at(j, hidden);
      const F i = sigmoid_v(V::add(V::load_n(x + j, lanes), V::load_n(g + j, lanes)));
      const F f = sigmoid_v(V::add(V::load_n(x + hidden + j, lanes), V::load_n(g + hidden + j, lanes)));
      const F cand = tanh_v(V::add(V::load_n(x + 2 * hidden + j, lanes), V::load_n(g + 2 * hidden + j, lanes)));
      const F o = sigmoid_v(V::add(V::load_n(x + 3 * hidden + j, lanes), V::load_n(g + 3 * hidden + j, lanes)));
      const F c_old = V::load_n(c + j, lanes);
      const F c_new = V::fmadd(f, c_old, V::mul(i, cand));
      const F tc = tanh_v(c_new);
      V::store_n(c_out + j, masked_update(c_old, c_new, m), lanes);
      V::store_n(h_out + j, masked_update(V::load_n(h + j, lanes), V::mul(o, tc), m), lanes);
      V::store_n(cache + j, i, lanes);
      V::store_n(cache + hidden + j, f, lanes);
      V::store_n(cache + 2 * hidden + j, cand, lanes);
      V::store_n(cache + 3 * hidden + j, o, lanes);
      V::store_n(cache + 4 * hidden + j, tc, lanes);
    }
  }
}

MTLAB_TARGET void lstm_backward(const LstmBackwardArgs& a) {
  const Index hidden = a.hidden;
  const F one = V::set1(1.0f);
  for (Index b = 0; b < a.batch; ++b) {
    const float* dh = a.dh + b * hidden;
    const float* dc = a.dc + b * hidden;
    const float* cache = a.cache + b * 5 * hidden;
    const float* c = a.c + b * hidden;
    float* da = a.da + b * 4 * hidden;
    float* dh_prev = a.dh_prev + b * hidden;
    float* dc_prev = a.dc_prev + b * hidden;
    const F m = V::set1(a.mask[b]);
    const F keep = V::set1(1.0f - a.mask[b]);
    for (Index j = 0; j < hidden; j += W) {
      const int lanes = lanes_at(j, hidden);
      const F i = V::load_n(cache + j, lanes);
      const F f = V::load_n(cache + hidden + j, lanes);
      const F cand = V::load_n(cache + 2 * hidden + j, lanes);
      const F o = V::load_n(cache + 3 * hidden + j, lanes);
      const F tc = V::load_n(cache + 4 * hidden + j, lanes);
      const F dh_out = V::load_n(dh + j, lanes);
      const F dc_out = V::load_n(dc + j, lanes);
      const F d = V::mul(m, dh_out);
      const F dc_total = V::fmadd(V::mul(d, o), one_minus_square(tc), V::mul(m, dc_out));
      V::store_n(da + j, V::mul(V::mul(V::mul(dc_total, cand), i), V::sub(one, i)), lanes);
      V::store_n(da + hidden + j, V::mul(V::mul(V::mul(dc_total, V::load_n(c + j, lanes)), f), V::sub(one, f)),
                 lanes);
      V::store_n(da + 2 * hidden + j, V::mul(V::mul(dc_total, i), one_minus_square(cand)), lanes);
      V::store_n(da + 3 * hidden + j, V::mul(V::mul(V::mul(d, tc), o), V::sub(one, o)), lanes);
      V::store_n(dc_prev + j, V::fmadd(dc_total, f, V::mul(keep, dc_out)), lanes);
      V::store_n(dh_prev + j, V::mul(keep, dh_out), lanes);
    }
  }
}

// ---- Softmax cross-entropy ----

MTLAB_TARGET void log_softmax(const LogSoftmaxArgs& a) {
  const Index vocab = a.vocab;
  for (Index r = 0; r < a.rows; ++r) {
    const float* logits = a.logits + r * vocab;
    float* out = a.out + r * vocab;
    F max_v = V::set1(-INFINITY);
    for (Index k = 0; k < vocab; k += W) {
      max_v = V::max(V::load_fill(logits + k, lanes_at(k, vocab), -INFINITY), max_v);
    }
    const float max = V::reduce_max(max_v);
    const F shift = V::set1(max);
    V::Acc sum_acc = V::acc_zero();
    for (Index k = 0; k < vocab; k += W) {
      const int lanes = lanes_at(k, vocab);
      V::acc_add(sum_acc, V::keep(exp_v(V::sub(V::load_n(logits + k, lanes), shift)), lanes));
    }
    const F log_z = V::set1(static_cast<float>(static_cast<double>(max) + std::log(V::acc_sum(sum_acc))));
    for (Index k = 0; k < vocab; k += W) {
      const int lanes = lanes_at(k, vocab);
      V::store_n(out + k, V::sub(V::load_n(logits + k, lanes), log_z), lanes);
    }
  }
}

MTLAB_TARGET void softmax_xent_forward(const SoftmaxXentForwardArgs& a) {
  const Index vocab = a.vocab;
  double total = 0;
  for (Index r = 0; r < a.rows; ++r) {
    const float* logits = a.logits + r * vocab;
    float* probs = a.probs + r * vocab;
    // The maximum ignores NaN as the reference's `>` does (max(v, acc) returns acc when v is NaN).
    F max_v = V::set1(-INFINITY);
    for (Index k = 0; k < vocab; k += W) {
      max_v = V::max(V::load_fill(logits + k, lanes_at(k, vocab), -INFINITY), max_v);
    }
    const float max = V::reduce_max(max_v);
    const F shift = V::set1(max);
    V::Acc sum_acc = V::acc_zero(), logit_acc = V::acc_zero();
    for (Index k = 0; k < vocab; k += W) {
      const int lanes = lanes_at(k, vocab);
      const F logit = V::load_n(logits + k, lanes);
      const F e = V::keep(exp_v(V::sub(logit, shift)), lanes);
      V::store_n(probs + k, e, lanes);
      V::acc_add(sum_acc, e);
      V::acc_add(logit_acc, logit);
    }
    const double sum = V::acc_sum(sum_acc);
    const double logit_sum = V::acc_sum(logit_acc);
    const F inv = V::set1(static_cast<float>(1.0 / sum));
    for (Index k = 0; k < vocab; k += W) {
      const int lanes = lanes_at(k, vocab);
      V::store_n(probs + k, V::mul(V::load_n(probs + k, lanes), inv), lanes);
    }
    const double w = a.weights[r];
    if (w == 0) continue;
    const double log_z = static_cast<double>(max) + std::log(sum);
    const double target_logit = logits[a.targets[r]];
    // ε is spread over the tokens a target can be: all but <pad> (id 0) and <sos> (id 2), as the reference.
    const double real_sum = logit_sum - logits[kPadId] - logits[kSosId];
    total += w * ((1 - a.smoothing) * (log_z - target_logit) + a.smoothing * (log_z - real_sum / (vocab - 2)));
  }
  a.loss[0] = static_cast<float>(total);
}

MTLAB_TARGET void softmax_xent_backward(const SoftmaxXentBackwardArgs& a) {
  const Index vocab = a.vocab;
  const F spread = V::set1(static_cast<float>(a.smoothing / (vocab - 2)));
  for (Index r = 0; r < a.rows; ++r) {
    float* dlogits = a.dlogits + r * vocab;
    const float* probs = a.probs + r * vocab;
    const double w = a.weights[r] * a.dloss;
    if (w == 0) {
      for (Index k = 0; k < vocab; ++k) dlogits[k] = 0.0f;
      continue;
    }
    const F wv = V::set1(static_cast<float>(w));
    for (Index k = 0; k < vocab; k += W) {
      const int lanes = lanes_at(k, vocab);
      V::store_n(dlogits + k, V::mul(wv, V::sub(V::load_n(probs + k, lanes), spread)), lanes);
    }
    // <pad> and <sos> get no smoothing mass: their gradient is w·p.
    dlogits[kPadId] = static_cast<float>(w * static_cast<double>(probs[kPadId]));
    dlogits[kSosId] = static_cast<float>(w * static_cast<double>(probs[kSosId]));
    // In double, as the reference: p − ε/(V−2) − (1 − ε) may cancel.
    float& target = dlogits[a.targets[r]];
    target = static_cast<float>(static_cast<double>(target) - w * (1 - a.smoothing));
  }
}

// ---- Attention ----

// The reference's softmaxInPlace on one row of `length` floats, in double (rows are short: source positions).
inline void softmax_row(float* e, Index length) {
  float max = -INFINITY;
  for (Index s = 0; s < length; ++s) {
    if (e[s] > max) max = e[s];
  }
  double sum = 0;
  for (Index s = 0; s < length; ++s) {
    const double v = std::exp(static_cast<double>(e[s]) - max);
    e[s] = static_cast<float>(v);
    sum += v;
  }
  const double inv = 1 / sum;
  for (Index s = 0; s < length; ++s) e[s] = static_cast<float>(e[s] * inv);
}

// context[b] = Σ_s α_s · values[b, s], accumulated in float in source order.
MTLAB_TARGET MTLAB_INLINE void weighted_context(const AttentionForwardArgs& a, Index b) {
  float* context = a.context + b * a.value_size;
  for (Index h = 0; h < a.value_size; ++h) context[h] = 0.0f;
  for (Index s = 0; s < a.source; ++s) {
    const F alpha = V::set1(a.weights[b * a.source + s]);
    const float* values = a.values + (b * a.source + s) * a.value_size;
    for (Index h = 0; h < a.value_size; h += W) {
      const int lanes = lanes_at(h, a.value_size);
      V::store_n(context + h, V::fmadd(alpha, V::load_n(values + h, lanes), V::load_n(context + h, lanes)), lanes);
    }
  }
}

MTLAB_TARGET void additive_attention_forward(const AttentionForwardArgs& a) {
  const Index size = a.size;
  for (Index b = 0; b < a.batch; ++b) {
    const float* query = a.query + b * size;
    for (Index s = 0; s < a.source; ++s) {
      const Index ko = (b * a.source + s) * size;
      V::Acc score = V::acc_zero();
      for (Index j = 0; j < size; j += W) {
        const int lanes = lanes_at(j, size);
        const F t = tanh_v(V::add(V::load_n(a.keys + ko + j, lanes), V::load_n(query + j, lanes)));
        V::store_n(a.cache + ko + j, t, lanes);
        V::acc_fmadd(score, t, V::load_n(a.energy + j, lanes));
      }
      a.weights[b * a.source + s] = static_cast<float>(a.mask_bias[b * a.source + s] + V::acc_sum(score));
    }
    softmax_row(a.weights + b * a.source, a.source);
    weighted_context(a, b);
  }
}

MTLAB_TARGET void dot_attention_forward(const AttentionForwardArgs& a) {
  for (Index b = 0; b < a.batch; ++b) {
    for (Index s = 0; s < a.source; ++s) {
      const double score = dot_f64(a.keys + (b * a.source + s) * a.size, a.query + b * a.size, a.size);
      a.weights[b * a.source + s] = static_cast<float>(a.mask_bias[b * a.source + s] + score);
    }
    softmax_row(a.weights + b * a.source, a.source);
    weighted_context(a, b);
  }
}

// The part both attention gradients share: dvalues, and dE_s = α_s·(dα_s − Σ_s' α_s'·dα_s') for one batch item
// into `de` (dα_s = dweights_s + dcontext·values_s).
MTLAB_TARGET MTLAB_INLINE void attention_score_gradient(const AttentionBackwardArgs& a, Index b, float* dalpha,
                                                       double* de) {
  const float* dcontext = a.dcontext + b * a.value_size;
  double weighted = 0;
  for (Index s = 0; s < a.source; ++s) {
    const float alpha = a.weights[b * a.source + s];
    const Index vo = (b * a.source + s) * a.value_size;
    const F alpha_v = V::set1(alpha);
    V::Acc acc = V::acc_zero();
    for (Index h = 0; h < a.value_size; h += W) {
      const int lanes = lanes_at(h, a.value_size);
      const F dc = V::load_n(dcontext + h, lanes);
      V::acc_fmadd(acc, dc, V::load_n(a.values + vo + h, lanes));
      V::store_n(a.dvalues + vo + h, V::mul(alpha_v, dc), lanes);
    }
    const double d = a.dweights[b * a.source + s] + V::acc_sum(acc);
    dalpha[s] = static_cast<float>(d);
    weighted += alpha * d;
  }
  for (Index s = 0; s < a.source; ++s) de[s] = a.weights[b * a.source + s] * (dalpha[s] - weighted);
}

struct Scratch {
  std::vector<float> dalpha;
  std::vector<double> de;
};

inline Scratch& scratch(Index source) {
  static thread_local Scratch space;
  if (space.dalpha.size() < static_cast<std::size_t>(source)) {
    space.dalpha.resize(source);
    space.de.resize(source);
  }
  return space;
}

MTLAB_TARGET void additive_attention_backward(const AttentionBackwardArgs& a) {
  const Index size = a.size;
  for (Index j = 0; j < a.denergy_length; ++j) a.denergy[j] = 0.0f;
  for (Index j = 0; j < a.dquery_length; ++j) a.dquery[j] = 0.0f;
  Scratch& space = scratch(a.source);
  for (Index b = 0; b < a.batch; ++b) {
    attention_score_gradient(a, b, space.dalpha.data(), space.de.data());
    float* dquery = a.dquery + b * size;
    for (Index s = 0; s < a.source; ++s) {
      const F de = V::set1(static_cast<float>(space.de[s]));
      const Index ko = (b * a.source + s) * size;
      for (Index j = 0; j < size; j += W) {
        const int lanes = lanes_at(j, size);
        const F t = V::load_n(a.cache + ko + j, lanes);
        V::store_n(a.denergy + j, V::fmadd(de, t, V::load_n(a.denergy + j, lanes)), lanes);
        const F dpre = V::mul(V::mul(de, V::load_n(a.energy + j, lanes)), one_minus_square(t));
        V::store_n(a.dkeys + ko + j, dpre, lanes);
        V::store_n(dquery + j, V::add(V::load_n(dquery + j, lanes), dpre), lanes);
      }
    }
  }
}

MTLAB_TARGET void dot_attention_backward(const AttentionBackwardArgs& a) {
  const Index size = a.size;
  for (Index j = 0; j < a.dquery_length; ++j) a.dquery[j] = 0.0f;
  Scratch& space = scratch(a.source);
  for (Index b = 0; b < a.batch; ++b) {
    attention_score_gradient(a, b, space.dalpha.data(), space.de.data());
    const float* query = a.query + b * size;
    float* dquery = a.dquery + b * size;
    for (Index s = 0; s < a.source; ++s) {
      const F de = V::set1(static_cast<float>(space.de[s]));
      const Index ko = (b * a.source + s) * size;
      for (Index j = 0; j < size; j += W) {
        const int lanes = lanes_at(j, size);
        V::store_n(a.dkeys + ko + j, V::mul(de, V::load_n(query + j, lanes)), lanes);
        V::store_n(dquery + j, V::fmadd(de, V::load_n(a.keys + ko + j, lanes), V::load_n(dquery + j, lanes)), lanes);
      }
    }
  }
}

FusedKernels make_fused_kernels(const char* name) {
  FusedKernels k{};
  k.name = name;
  k.sum_of_squares = &sum_of_squares;
  k.column_sums = &column_sums;
  k.adam_step = &adam_step;
  k.gru_forward = &gru_forward;
  k.gru_backward = &gru_backward;
  k.lstm_forward = &lstm_forward;
  k.lstm_backward = &lstm_backward;
  k.log_softmax = &log_softmax;
  k.softmax_xent_forward = &softmax_xent_forward;
  k.softmax_xent_backward = &softmax_xent_backward;
  k.additive_attention_forward = &additive_attention_forward;
  k.additive_attention_backward = &additive_attention_backward;
  k.dot_attention_forward = &dot_attention_forward;
  k.dot_attention_backward = &dot_attention_backward;
  k.exp = &exp_array;
  k.tanh = &tanh_array;
  k.sigmoid = &sigmoid_array;
  return k;
}
