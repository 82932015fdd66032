"""Checks that model.py computes what mtlab computes: loads the weights of an mtlab model (written by
test/bench/peer.test.ts from `Seq2Seq.params.serialize()`), and prints as one JSON line the loss and gradient norm of
a batch (also per parameter) and the greedy and beam-search outputs of some sentences, for the test to compare with mtlab's own.

    python3 bench/pytorch/equivalence.py weights.json

The input JSON: {"config": {sourceVocab, targetVocab, embeddingSize, hiddenSize, attentionSize},
"names", "shapes", "values" (mtlab's ParameterBlob), "batch": {"source", "targetIn", "targetOut"} ([batch][time]
ids), "sentences" ([n][length] ids, without <eos>), "maxLength", "beamSize", "lengthPenalty"}.
mtlab stores weights as [in, out] (x @ W) and splits the decoder's input weights by part; PyTorch stores [out, in].
"""

import json
import sys

import torch
from torch import nn

sys.dont_write_bytecode = True  # keep the checkout clean: no __pycache__ beside the scripts

from model import ModelConfig, Seq2Seq  # noqa: E402
from search import EOS_ID, beam_search, greedy_search  # noqa: E402


# Each PyTorch parameter, the mtlab parameters it is made of (stacked in this order along mtlab's input axis) and
# whether mtlab's [in, out] layout must be transposed to PyTorch's [out, in].
PARAMETERS: list[tuple[str, list[str], bool]] = [
    ("source_embedding.weight", ["encoder.embedding"], False),
    ("encoder.weight_ih_l0", ["encoder.l0.fwd.W_ih.x"], True),
    ("encoder.weight_hh_l0", ["encoder.l0.fwd.W_hh"], True),
    ("encoder.bias_ih_l0", ["encoder.l0.fwd.b_ih"], False),
    ("encoder.bias_hh_l0", ["encoder.l0.fwd.b_hh"], False),
    ("target_embedding.weight", ["decoder.embedding"], False),
    ("attention.key_layer.weight", ["attention.W"], True),
    ("attention.key_layer.bias", ["attention.b"], False),
    ("attention.query_layer.weight", ["attention.U"], True),
    ("attention.energy_layer.weight", ["attention.v"], True),
    # The GRUCell's input is [E y; c]: mtlab's two input-weight parts, in that order.
    ("decoder_cell.weight_ih", ["decoder.l0.W_ih.emb", "decoder.l0.W_ih.ctx"], True),
    ("decoder_cell.weight_hh", ["decoder.l0.W_hh"], True),
    ("decoder_cell.bias_ih", ["decoder.l0.b_ih"], False),
    ("decoder_cell.bias_hh", ["decoder.l0.b_hh"], False),
    ("output_layer.weight", ["decoder.W_o"], True),
    ("output_layer.bias", ["decoder.b_o"], False),
    ("vocab_projection.weight", ["decoder.W_out"], True),
    ("vocab_projection.bias", ["decoder.b_out"], False),
]


def load_mtlab_weights(model: Seq2Seq, blob: dict) -> None:
    tensors: dict[str, torch.Tensor] = {}
    offset = 0
    for name, shape in zip(blob["names"], blob["shapes"]):
        size = 1
        for d in shape:
            size *= d
        tensors[name] = torch.tensor(blob["values"][offset : offset + size], dtype=torch.float32).reshape(shape)
        offset += size
    if offset != len(blob["values"]):
        raise ValueError(f"{offset} values named, {len(blob['values'])} given")
    unused = set(tensors) - {name for _, parts, _ in PARAMETERS for name in parts}
    if unused:
        raise ValueError(f"mtlab parameters with no PyTorch counterpart: {sorted(unused)}")
    state = {}
    for name, parts, transpose in PARAMETERS:
        value = torch.cat([tensors[part] for part in parts], dim=0)
        state[name] = (value.T if transpose else value).contiguous()
    model.load_state_dict(state, strict=True)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as file:
        spec = json.load(file)
    torch.set_num_threads(1)
    c = spec["config"]
    model = Seq2Seq(
        ModelConfig(c["sourceVocab"], c["targetVocab"], c["embeddingSize"], c["hiddenSize"], c["attentionSize"])
    )
    load_mtlab_weights(model, spec)

    batch = spec["batch"]
    loss = model.loss(*(torch.tensor(batch[key]) for key in ("source", "targetIn", "targetOut")))
    loss.backward()
    grad_norm = nn.utils.clip_grad_norm_(list(model.parameters()), float("inf"))
    named = dict(model.named_parameters())
    grad_norms = [{"mtlab": parts, "norm": float(named[name].grad.norm())} for name, parts, _ in PARAMETERS]

    sentences = torch.tensor([s + [EOS_ID] for s in spec["sentences"]])
    greedy = greedy_search(model, sentences, spec["maxLength"])
    beams = beam_search(model, sentences, spec["maxLength"], spec["beamSize"], spec["lengthPenalty"])
    print(
        json.dumps(
            {
                "loss": loss.item(),
                "gradNorm": float(grad_norm),
                "gradNorms": grad_norms,
                "greedy": [{"tokens": h.tokens, "logProb": h.log_prob} for h in greedy],
                "beam": [[{"tokens": h.tokens, "score": h.score} for h in hyps] for hyps in beams],
            }
        )
    )


if __name__ == "__main__":
    main()
