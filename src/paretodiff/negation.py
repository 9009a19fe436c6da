"""Failed designs as a negation set: a region the sampler is steered away from.

A measured design that did not work (the build failed, the sample degraded: ``--feasible
COL`` = 0) says nothing of its objectives, only that designs like it fail.  Following the
safe denoiser's idea (steer the sampler away from a set of negative samples, without
retraining the generator), :class:`NegationSet` keeps the failed designs beside a sample of
the working ones and gives

- ``p_fail(u)``: a kernel (Nadaraya-Watson) classifier, the share of Gaussian-kernel weight
  around ``u`` that lies on failed designs (far from every measured design, nothing is known
  and it tends to 0: the generator keeps its samples near the data);
- ``gradient(u)``: ``∇ log(1 - p_fail(u))``, added to the preference model's guidance
  gradient, so guidance follows ``log p(x ≻ x_ref) + log p(works | x)``: it pushes each chain
  out of regions where failures outnumber successes and leaves it alone elsewhere.

Designs are on the models' cube ``[-1, 1]^K`` (``K = space.n_unit``).  The bandwidth is
Scott's rule on that cube.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

MAX_ROWS = 4096  # rows of each set kept for the classifier (its cost is linear in them)
PRIOR = 1e-3  # kernel weight of "works" everywhere: far from every design, p_fail -> 0


class NegationSet:
    """Failed designs ``(K_f, K)`` and working designs ``(K_w, K)`` on ``[-1, 1]^K``, and the
    kernel bandwidth (units of that cube)."""

    def __init__(self, failed: torch.Tensor, worked: torch.Tensor, bandwidth: float) -> None:
        if failed.ndim != 2 or worked.ndim != 2 or failed.shape[1] != worked.shape[1] or len(failed) == 0:
            raise ValueError(f"failed and worked designs must be 2-D with the same columns, got {tuple(failed.shape)} "
                             f"and {tuple(worked.shape)}")
        if not (math.isfinite(bandwidth) and bandwidth > 0):
            raise ValueError(f"the bandwidth must be a positive number, got {bandwidth}")
        self.failed, self.worked = failed.float(), worked.float()
        self.bandwidth = float(bandwidth)

    @classmethod
    def fit(cls, failed: torch.Tensor, worked: torch.Tensor, generator: torch.Generator) -> "NegationSet":
        """The set of ``failed`` designs beside ``worked`` ones, each at most :data:`MAX_ROWS`
        rows (drawn with ``generator``); Scott's bandwidth ``1.06 sigma n^(-1/(K + 4))``."""
        failed, worked = (_at_most(v.float(), MAX_ROWS, generator) for v in (failed, worked))
        rows = torch.cat([failed, worked])
        sigma = float(rows.std(dim=0).mean()) if len(rows) > 1 else 1.0
        bandwidth = 1.06 * max(sigma, 1e-3) * len(rows) ** (-1.0 / (rows.shape[1] + 4))
        return cls(failed, worked, bandwidth)

    def _logit(self, U: torch.Tensor) -> torch.Tensor:
        """``log`` kernel weight on failed designs minus that on working ones (with the prior) ``(B,)``."""
        scale = 2.0 * self.bandwidth**2
        on_failed = torch.logsumexp(-torch.cdist(U, self.failed) ** 2 / scale, dim=1)
        on_worked = torch.logsumexp(-torch.cdist(U, self.worked) ** 2 / scale, dim=1)
        return on_failed - torch.logaddexp(on_worked, torch.full_like(on_worked, math.log(PRIOR)))

    def p_fail(self, U: torch.Tensor) -> torch.Tensor:
        """The predicted probability that designs ``U (B, K)`` fail, ``(B,)``."""
        with torch.no_grad():
            return torch.sigmoid(self._logit(U.float()))

    def gradient(self, U: torch.Tensor) -> torch.Tensor:
        """``∇_u log(1 - p_fail(u))`` for a batch ``U (B, K)``, ``(B, K)``."""
        with torch.enable_grad():
            u = U.detach().float().requires_grad_(True)
            (grad,) = torch.autograd.grad(-F.softplus(self._logit(u)).sum(), u)
        return grad.to(U.dtype)

    def steer(self, gradient):
        """A guidance gradient ``g(x, t)`` with this set's ``∇ log(1 - p_fail)`` added."""
        def guided(x: torch.Tensor, t: int) -> torch.Tensor:
            return gradient(x, t) + self.gradient(x)

        return guided

    def tensors(self) -> dict[str, torch.Tensor]:
        """The weights-file entries (``negation.failed``, ``negation.worked``)."""
        return {"negation.failed": self.failed.contiguous(), "negation.worked": self.worked.contiguous()}


def _at_most(rows: torch.Tensor, limit: int, generator: torch.Generator) -> torch.Tensor:
    if len(rows) <= limit:
        return rows
    return rows[torch.randperm(len(rows), generator=generator)[:limit]]
