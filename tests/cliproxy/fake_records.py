"""What a CLIProxyAPI request record looks like, by version and serving provider (for the fake).

From router-for-me/CLIProxyAPI (read 2026-12-02 at v7.2.140, commit a7e3596b7e351d800e58ed29529fbca3d1c18737,
and its tags): `sdk/cliproxy/usage/accounting.go` (which token rule a provider/executor gets, and
`token_breakdown`), `internal/redisqueue/plugin.go` (the queue record), `internal/usage/logger_plugin.go`
(the legacy detail). Record shapes: 6.10.8 minimal; 7.0.3 adds the cache split, `fail` and
`executor_type`; 7.2.97 adds `accounting_version` and `token_breakdown`; 7.2.104 adds `client_ip`,
`x_forwarded_for`, `user_agent`.

A `Req` states what the upstream provider did (all input, cache read and write inside it, visible
output, reasoning); it is rendered into the token fields the way the serving provider's rule says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# provider -> (executor type, accounting rule), as CLIProxyAPI's executors name themselves
PROVIDERS = {
    "codex": ("CodexExecutor", "subset"),
    "openai-compatibility": ("OpenAICompatExecutor", "subset"),
    "xai": ("XAIExecutor", "subset"),
    "kimi": ("KimiExecutor", "subset"),
    "claude": ("ClaudeExecutor", "independent"),
    "gemini-cli": ("GeminiCLIExecutor", "separate"),
    "gemini": ("GeminiExecutor", "separate"),
    "vertex": ("GeminiVertexExecutor", "separate"),
    "aistudio": ("AIStudioExecutor", "separate"),
    "antigravity": ("AntigravityExecutor", "separate"),
}


def vtuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.lstrip("v").split("."))


def default_provider(model: str) -> str:
    """The provider a plain CLIProxy set-up would route a model to."""
    if model.startswith(("gpt", "o3", "o4", "codex")):
        return "codex"
    if model.startswith("claude"):
        return "claude"
    if model.startswith("gemini"):
        return "gemini-cli"
    return "openai-compatibility"


@dataclass
class Req:
    """One request as the upstream provider billed it.

    `input_tokens` is ALL input (the cache read `cached_tokens` and `cache_write_tokens` are
    inside it), `output_tokens` the visible output, `reasoning_tokens` beside it.
    """

    api_key: str
    model: str
    timestamp: str
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    failed: bool = False
    source: str = "alice@example.com"
    auth_index: str = "3f2a9c1d0b7e4a55"
    provider: str | None = None
    cache_write_tokens: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def served_by(self) -> str:
        return self.provider or default_provider(self.model)

    def tokens(self, version: tuple[int, ...] = (6, 9, 49)) -> dict[str, int]:
        """The `tokens` object CLIProxy reports, by the serving provider's rule."""
        rule = PROVIDERS.get(self.served_by, ("", "subset"))[1]
        all_in, read, write = self.input_tokens, self.cached_tokens, self.cache_write_tokens
        out, reasoning = self.output_tokens, self.reasoning_tokens
        if rule == "subset":  # OpenAI: input includes cache, reasoning inside output
            inp, outp, total = all_in, out + reasoning, all_in + out + reasoning
        elif rule == "independent":  # Claude: fresh input only; v7 totals add the cache
            inp, outp = all_in - read - write, out + reasoning
            total = inp + outp + (read + write if version >= (7,) else 0)
        else:  # Gemini and Antigravity: input includes cache, reasoning beside the output
            inp, outp, total = all_in, out, all_in + out + reasoning
        tokens = {
            "input_tokens": inp,
            "output_tokens": outp,
            "reasoning_tokens": reasoning,
            "cached_tokens": read or write if rule == "independent" else read,
            "total_tokens": total,
        }
        if version >= (7, 0, 3):
            tokens.update(
                cache_read_tokens=read, cache_read_tokens_present=True, cache_creation_tokens=write
            )
        return tokens

    def breakdown(self) -> dict[str, Any]:
        """`token_breakdown` (v7.2.97+): the split stated outright."""
        all_in, out = self.input_tokens, self.output_tokens + self.reasoning_tokens
        return {
            "schema_version": 2,
            "quality": "complete",
            "total_tokens": all_in + out,
            "input": {
                "total_tokens": all_in,
                "uncached_tokens": all_in - self.cached_tokens - self.cache_write_tokens,
                "cache_read_tokens": self.cached_tokens,
                "cache_write_tokens": self.cache_write_tokens,
            },
            "output": {
                "total_tokens": out,
                "non_reasoning_tokens": self.output_tokens,
                "reasoning_tokens": self.reasoning_tokens,
            },
            "unclassified_tokens": 0,
        }

    def detail(self, version: tuple[int, ...] = (6, 9, 49)) -> dict[str, Any]:
        """A legacy snapshot's RequestDetail (`latency_ms` from v6.7 on)."""
        out: dict[str, Any] = {"timestamp": self.timestamp}
        if version >= (6, 7):
            out["latency_ms"] = 100
        out.update(
            source=self.source,
            auth_index=self.auth_index,
            tokens=self.tokens(version),
            failed=self.failed,
        )
        return out

    def queue_record(
        self, request_id: str, version: tuple[int, ...] = (7, 2, 140)
    ) -> dict[str, Any]:
        """A usage-queue record in the shape `version` sends."""
        rec: dict[str, Any] = {
            "timestamp": self.timestamp,
            "latency_ms": 100,
            "ttft_ms": 10,
            "source": self.source,
            "auth_index": self.auth_index,
            "tokens": self.tokens(version),
            "failed": self.failed,
            "generate": True,
        }
        if version >= (7, 2, 104):
            rec.update(client_ip="127.0.0.1", x_forwarded_for="", user_agent="curl/8.5.0")
        if version >= (7, 0, 3):
            rec["fail"] = {"status_code": 500 if self.failed else 200, "body": ""}
        if version >= (7, 2, 97):
            rec.update(accounting_version=2, token_breakdown=self.breakdown())
        rec["provider"] = self.served_by
        if version >= (7, 0, 3):
            rec["executor_type"] = PROVIDERS.get(self.served_by, ("OpenAICompatExecutor",))[0]
        rec.update(
            model=self.model,
            alias=self.model,
            endpoint="POST /v1/chat/completions",
            auth_type="oauth",
            api_key=self.api_key,
            request_id=request_id,
            reasoning_effort="",
            service_tier="",
        )
        rec.update(self.extra)
        return rec
