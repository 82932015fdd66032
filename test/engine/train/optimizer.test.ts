import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { setFusedKernels } from '../../../engine/backend/fused-kernels.js';
import { useBackend } from '../../../engine/backend/select.js';
import { Rng } from '../../../engine/random.js';
import { Adam, clippedUpdate, clipScale, globalNorm, Sgd } from '../../../engine/train/optimizer.js';

function randomValues(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** Run `steps` updates from fixed starting values and gradients; returns the final parameters. */
function runUpdates(kind: 'adam' | 'sgd', fused: boolean, steps: number): Float32Array[] {
  setFusedKernels(fused);
  const rng = new Rng(11);
  const variables = [
    tf.variable(tf.tensor(randomValues(rng, 12), [3, 4])),
    tf.variable(tf.tensor(randomValues(rng, 5))),
  ];
  const optimizer = kind === 'adam' ? new Adam(variables) : new Sgd(variables, 0.9);
  for (let s = 0; s < steps; s++) {
    tf.tidy(() => {
      const grads = variables.map((v) => tf.tensor(randomValues(rng, v.size), v.shape));
      const scale = clipScale(globalNorm(grads), 2);
      optimizer.apply(variables, grads, 0.01, scale);
    });
  }
  const out = variables.map((v) => v.dataSync().slice() as Float32Array);
  optimizer.dispose();
  variables.forEach((v) => v.dispose());
  setFusedKernels(true);
  return out;
}

/**
 * Written by test/engine/train/optimizer-reference.py with Debian's python3-torch (torch.__version__ below): two
 * float32 parameters, five steps of given gradients, clip_grad_norm_(max_norm=1) before each (steps 2 and 4 clip),
 * then torch.optim.Adam(lr=0.01), SGD(lr=0.05) or SGD(lr=0.05, momentum=0.9); the parameters after every step.
 */
const PYTORCH_REFERENCE: {
  torch: string;
  shapes: number[][];
  initial: number[][];
  gradients: number[][][];
  adam: number[][][];
  sgd: number[][][];
  sgdMomentum: number[][][];
} = {
  torch: '1.13.0a0',
  initial: [
    [
      1.5409960746765137, -0.293428897857666, -2.1787893772125244, 0.5684312582015991, -1.0845223665237427,
      -1.3985954523086548,
    ],
    [0.40334683656692505, 0.8380263447761536, -0.7192575931549072, -0.40334352850914],
  ],
  shapes: [[2, 3], [4]],
  gradients: [
    [
      [
        -0.17899060249328613, 0.054610949009656906, -0.2570023834705353, 0.3301812708377838, -0.32135623693466187,
        0.03681037575006485,
      ],
      [-0.1698952615261078, 0.11193440109491348, -0.26759859919548035, -0.4527323246002197],
    ],
    [
      [
        1.1111806631088257, 4.369507789611816, 2.819429874420166, 2.3245463371276855, 0.5756082534790039,
        3.791384220123291,
      ],
      [-3.871305227279663, -2.3733081817626953, -0.06263841688632965, -2.155440092086792],
    ],
    [
      [
        0.15559104084968567, -0.39375659823417664, 0.057598523795604706, 0.1628314107656479, -0.6656337976455688,
        0.07769536226987839,
      ],
      [-0.30891066789627075, -0.15022753179073334, 0.08201032131910324, -0.27543002367019653],
    ],
    [
      [
        -0.12126326560974121, 0.864350438117981, -0.02261192351579666, -2.7434864044189453, -3.2657511234283447,
        -0.7997889518737793,
      ],
      [0.5682703852653503, -0.6570684313774109, 6.172773361206055, -0.10626564919948578],
    ],
    [
      [
        0.018815649673342705, -0.22989189624786377, 0.3297751843929291, 0.8269615769386292, 0.05258500203490257,
        -0.27945634722709656,
      ],
      [-0.45164692401885986, -0.1982947736978531, 0.3969605267047882, 0.01113429106771946],
    ],
  ],
  adam: [
    [
      [
        1.5509960651397705, -0.30342888832092285, -2.1687893867492676, 0.5584312677383423, -1.0745223760604858,
        -1.4085954427719116,
      ],
      [0.4133468270301819, 0.8280263543128967, -0.7092576026916504, -0.3933435380458832],
    ],
    [
      [
        1.5520614385604858, -0.3115421235561371, -2.1705241203308105, 0.5485308170318604, -1.0694843530654907,
        -1.4165672063827515,
      ],
      [0.42267176508903503, 0.8324115872383118, -0.7023565173149109, -0.3838736414909363],
    ],
    [
      [
        1.5490540266036987, -0.3126174509525299, -2.17272686958313, 0.5391032099723816, -1.0620328187942505,
        -1.4237401485443115,
      ],
      [0.43218788504600525, 0.8383132219314575, -0.6991292834281921, -0.37440991401672363],
    ],
    [
      [
        1.5469356775283813, -0.31448766589164734, -2.174490451812744, 0.5366227626800537, -1.0538432598114014,
        -1.4281461238861084,
      ],
      [0.43916913866996765, 0.8444439768791199, -0.7037554979324341, -0.3665221333503723],
    ],
    [
      [
        1.5448194742202759, -0.31441015005111694, -2.1787924766540527, 0.5310628414154053, -1.0472216606140137,
        -1.428904414176941,
      ],
      [0.4471158981323242, 0.8515176177024841, -0.7094225883483887, -0.359946072101593],
    ],
  ],
  sgd: [
    [
      [
        1.549945592880249, -0.29615944623947144, -2.1659393310546875, 0.5519222021102905, -1.0684545040130615,
        -1.4004359245300293,
      ],
      [0.41184160113334656, 0.8324296474456787, -0.7058776617050171, -0.38070690631866455],
    ],
    [
      [
        1.5434719324111938, -0.3216160237789154, -2.1823651790618896, 0.5383794903755188, -1.0718079805374146,
        -1.422524333000183,
      ],
      [0.4343956708908081, 0.84625643491745, -0.7055127620697021, -0.36814939975738525],
    ],
    [
      [
        1.5356923341751099, -0.30192819237709045, -2.1852450370788574, 0.5302379131317139, -1.0385262966156006,
        -1.426409125328064,
      ],
      [0.4498412013053894, 0.8537678122520447, -0.7096132636070251, -0.3543778955936432],
    ],
    [
      [
        1.5364853143692017, -0.3075804114341736, -2.1850972175598145, 0.5481783151626587, -1.0171706676483154,
        -1.4211790561676025,
      ],
      [0.4461251199245453, 0.858064591884613, -0.7499787211418152, -0.3536829948425293],
    ],
    [
      [
        1.5356688499450684, -0.29760468006134033, -2.1994071006774902, 0.512293815612793, -1.019452452659607,
        -1.4090526103973389,
      ],
      [0.46572351455688477, 0.866669237613678, -0.7672041058540344, -0.3541661500930786],
    ],
  ],
  sgdMomentum: [
    [
      [
        1.549945592880249, -0.29615944623947144, -2.1659393310546875, 0.5519222021102905, -1.0684545040130615,
        -1.4004359245300293,
      ],
      [0.41184160113334656, 0.8324296474456787, -0.7058776617050171, -0.38070690631866455],
    ],
    [
      [
        1.551526427268982, -0.32407352328300476, -2.17080020904541, 0.5235213041305542, -1.0573469400405884,
        -1.4241808652877808,
      ],
      [0.44204097986221313, 0.841219425201416, -0.6934707760810852, -0.3477764427661896],
    ],
    [
      [
        1.545169711112976, -0.32950836420059204, -2.1780548095703125, 0.4898189306259155, -1.0140684843063354,
        -1.449436068534851,
      ],
      [0.4846659302711487, 0.8566415905952454, -0.6864051222801208, -0.3043675124645233],
    ],
    [
      [
        1.5402415990829468, -0.34005194902420044, -2.184436082839966, 0.477427214384079, -0.9537621736526489,
        -1.4669357538223267,
      ],
      [0.51931232213974, 0.8748182654380798, -0.720411479473114, -0.2646045684814453],
    ],
    [
      [
        1.534989833831787, -0.3395654261112213, -2.204489231109619, 0.43039020895957947, -0.9017683267593384,
        -1.4705588817596436,
      ],
      [0.5700924396514893, 0.8997819423675537, -0.768242597579956, -0.2293010801076889],
    ],
  ],
};

describe('optimisers', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`the in-place Adam on ${backend} equals the composite one`, async () => {
      await useBackend(backend);
      const fused = runUpdates('adam', true, 5);
      const composite = runUpdates('adam', false, 5);
      fused.forEach((values, i) =>
        values.forEach((v, k) => assert.ok(Math.abs(v - composite[i]![k]!) < 1e-6, `${v} vs ${composite[i]![k]}`)),
      );
    });
  }

  for (const backend of ['cpu', 'wasm'] as const) {
    for (const fused of [true, false]) {
      it(`Adam and SGD follow PyTorch's own numbers step by step (${backend}, ${fused ? 'fused' : 'composite'})`, async () => {
        await useBackend(backend);
        setFusedKernels(fused);
        try {
          const { shapes, initial, gradients } = PYTORCH_REFERENCE;
          for (const [kind, expected] of [
            ['adam', PYTORCH_REFERENCE.adam],
            ['sgd', PYTORCH_REFERENCE.sgd],
            ['sgdMomentum', PYTORCH_REFERENCE.sgdMomentum],
          ] as const) {
            const variables = initial.map((values, i) => tf.variable(tf.tensor(values, shapes[i]!)));
            const optimizer =
              kind === 'adam' ? new Adam(variables) : new Sgd(variables, kind === 'sgdMomentum' ? 0.9 : 0);
            const learningRate = kind === 'adam' ? 0.01 : 0.05;
            gradients.forEach((stepGradients, step) => {
              tf.tidy(() => {
                const grads = stepGradients.map((values, i) => tf.tensor(values, shapes[i]!));
                optimizer.apply(variables, grads, learningRate, clipScale(globalNorm(grads), 1));
              });
              variables.forEach((variable, i) => {
                const got = variable.dataSync();
                expected[step]![i]!.forEach((want, k) =>
                  assert.ok(
                    Math.abs(got[k]! - want) <= 2e-7 + 2e-6 * Math.abs(want),
                    `${kind} step ${step + 1}, parameter ${i}[${k}]: ${got[k]}, PyTorch ${want}`,
                  ),
                );
              });
            });
            optimizer.dispose();
            variables.forEach((v) => v.dispose());
          }
        } finally {
          setFusedKernels(true);
        }
      });
    }
  }

  it('SGD with momentum is the same fused or not', async () => {
    await useBackend('wasm');
    const a = runUpdates('sgd', true, 4);
    const b = runUpdates('sgd', false, 4);
    a.forEach((values, i) => values.forEach((v, k) => assert.ok(Math.abs(v - b[i]![k]!) < 1e-6)));
  });

  for (const kind of ['adam', 'sgd'] as const) {
    it(`${kind}: a non-finite gradient norm skips the update, leaving parameters and optimiser state as they were`, async () => {
      await useBackend('cpu');
      const p = tf.variable(tf.tensor1d([1, -2, 3]));
      const optimizer = kind === 'adam' ? new Adam([p]) : new Sgd([p], 0.9);
      assert.deepEqual(clippedUpdate(optimizer, [p], [tf.tensor1d([0.5, 0.5, 0.5])], 0.1, 1), {
        gradNorm: Math.sqrt(0.75),
        applied: true,
      });
      const before = { values: Array.from(p.dataSync()), state: await optimizer.state() };
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        const update = clippedUpdate(optimizer, [p], [tf.tensor1d([bad, 0.5, 0.5])], 0.1, 1);
        assert.equal(update.applied, false, `gradient ${bad}`);
        assert.ok(!Number.isFinite(update.gradNorm));
        assert.deepEqual(Array.from(p.dataSync()), before.values);
        assert.deepEqual(await optimizer.state(), before.state);
      }
      optimizer.dispose();
      p.dispose();
    });
  }

  it('clips like clip_grad_norm_', () => {
    assert.equal(clipScale(0.5, 1), 1);
    assert.ok(Math.abs(clipScale(4, 1) - 1 / (4 + 1e-6)) < 1e-12);
    assert.equal(clipScale(10, 0), 1);
  });
});
