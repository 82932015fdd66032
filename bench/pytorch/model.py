"""The benchmark's reference model in PyTorch: the same GRU encoder-decoder with Bahdanau attention as mtlab's
engine/model/ (cells.ts, encoder.ts, attention.ts, decoder.ts, seq2seq.ts, loss.ts), layer for layer, so that both
sides train the same network. The parameter count is the check: it must equal mtlab's
`new Seq2Seq(config, 2000, 2000, seed).params.count` for the same configuration.

    encoder:   h_1..h_S = GRU(E_src x)                      (1 layer, unidirectional, PyTorch's GRU equations = mtlab's)
    decoder:   s_0 = h_S                                    (same size: no bridge)
    step i:    e_ij = v^T tanh(W h_j + b + U s_{i-1});  alpha_i = softmax_j(e_i);  c_i = sum_j alpha_ij h_j
               s_i = GRUCell([E_tgt y_{i-1}; c_i], s_{i-1})
               o_i = tanh(W_o [s_i; c_i] + b_o)
    output:    logits_i = W_out o_i + b_out                 (all steps in one matMul after the loop)
    loss:      mean cross-entropy over all target tokens

PyTorch's default initialisations are mtlab's: embeddings N(0, 1), recurrent and linear weights and biases
U(-1/sqrt(fan), 1/sqrt(fan)). Dropout is 0 on both sides (the benchmark measures the model, not the regulariser).
"""

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional


@dataclass(frozen=True)
class ModelConfig:
    source_vocab: int = 2000
    target_vocab: int = 2000
    embedding_size: int = 128
    hidden_size: int = 256
    attention_size: int = 256


class BahdanauAttention(nn.Module):
    """Additive attention (Bahdanau et al. 2014): e_j = v^T tanh(W h_j + b + U s)."""

    def __init__(self, value_size: int, query_size: int, size: int) -> None:
        super().__init__()
        self.key_layer = nn.Linear(value_size, size)  # W, b: applied once per sentence
        self.query_layer = nn.Linear(query_size, size, bias=False)  # U
        self.energy_layer = nn.Linear(size, 1, bias=False)  # v

    def keys(self, values: torch.Tensor) -> torch.Tensor:
        """[batch, source, value] -> [batch, source, size]."""
        return self.key_layer(values)

    def forward(
        self,
        query: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        mask: "torch.Tensor | None" = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """query [batch, query] -> context [batch, value], weights [batch, source]; `mask` [batch, source] bool."""
        hidden = torch.tanh(keys + self.query_layer(query).unsqueeze(1))
        scores = self.energy_layer(hidden).squeeze(2)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=1)
        context = torch.bmm(weights.unsqueeze(1), values).squeeze(1)
        return context, weights


class Seq2Seq(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        hidden = config.hidden_size
        self.source_embedding = nn.Embedding(config.source_vocab, config.embedding_size)
        self.encoder = nn.GRU(config.embedding_size, hidden, num_layers=1, batch_first=True)
        self.target_embedding = nn.Embedding(config.target_vocab, config.embedding_size)
        self.attention = BahdanauAttention(hidden, hidden, config.attention_size)
        self.decoder_cell = nn.GRUCell(config.embedding_size + hidden, hidden)
        self.output_layer = nn.Linear(2 * hidden, hidden)  # W_o, b_o over [s_i; c_i]
        self.vocab_projection = nn.Linear(hidden, config.target_vocab)  # W_out, b_out

    def encode(self, source: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """source [batch, source] ids -> (values [batch, source, hidden], keys, initial decoder state [batch, hidden])."""
        values, final = self.encoder(self.source_embedding(source))
        return values, self.attention.keys(values), final[0]

    def decode_step(
        self,
        embedded: torch.Tensor,
        state: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        mask: "torch.Tensor | None" = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One decoder step from the embedded previous token: (s_i, o_i)."""
        context, _ = self.attention(state, keys, values, mask)
        state = self.decoder_cell(torch.cat([embedded, context], dim=1), state)
        output = torch.tanh(self.output_layer(torch.cat([state, context], dim=1)))
        return state, output

    def forward(self, source: torch.Tensor, target_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits [batch, target, vocab]."""
        values, keys, state = self.encode(source)
        embedded = self.target_embedding(target_in)
        outputs = []
        for t in range(target_in.size(1)):
            state, output = self.decode_step(embedded[:, t], state, keys, values)
            outputs.append(output)
        return self.vocab_projection(torch.stack(outputs, dim=1))

    def loss(self, source: torch.Tensor, target_in: torch.Tensor, target_out: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy per target token (no padding in the benchmark, so every token counts)."""
        logits = self(source, target_in)
        return functional.cross_entropy(logits.reshape(-1, self.config.target_vocab), target_out.reshape(-1))

    def padded_loss(
        self, source: torch.Tensor, source_lengths: torch.Tensor, target_in: torch.Tensor, target_out: torch.Tensor
    ) -> torch.Tensor:
        """Padded batches (the real-data case), as a PyTorch user writes them: the encoder over a packed sequence
        (its final state is each sentence's last real token, as mtlab's masked steps give), attention masked to the
        real source tokens, the mean cross-entropy over real target tokens (padding id 0 ignored)."""
        embedded = self.source_embedding(source)
        packed = nn.utils.rnn.pack_padded_sequence(embedded, source_lengths, batch_first=True, enforce_sorted=False)
        packed_values, final = self.encoder(packed)
        values, _ = nn.utils.rnn.pad_packed_sequence(packed_values, batch_first=True, total_length=source.size(1))
        keys = self.attention.keys(values)
        mask = torch.arange(source.size(1)).unsqueeze(0) < source_lengths.unsqueeze(1)
        state = final[0]
        inputs = self.target_embedding(target_in)
        outputs = []
        for t in range(target_in.size(1)):
            state, output = self.decode_step(inputs[:, t], state, keys, values, mask)
            outputs.append(output)
        logits = self.vocab_projection(torch.stack(outputs, dim=1))
        return functional.cross_entropy(
            logits.reshape(-1, self.config.target_vocab), target_out.reshape(-1), ignore_index=0
        )


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
