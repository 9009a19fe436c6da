"""Failed designs as a negation set: a region the sampler is steered away from.

A measured design that did not work (the build failed, the sample degraded: ``--feasible
COL`` = 0) says nothing of its objectives, only that designs like it fail.  Following the
safe denoiser's idea (steer the sampler away from a set of negative samples, without
retraining the generator), :class:`NegationSet` learns from the failed designs beside the
working ones a feasibility classifier and gives

- ``p_fail(u)``: the predicted probability that a design fails: a deep ensemble
  (:class:`~paretodiff.objective_model.ObjectiveModel`, one output) fitted to the label
  (1 failed, 0 worked) by least squares (the Brier score: its minimizer is the probability),
  the members' mean clipped to ``[0, 1]``;
- ``gradient(u)``: ``∇ log(1 - p_fail(u))``, added to the preference model's guidance
  gradient, so guidance follows ``log p(x ≻ x_ref) + log p(works | x)``: it pushes each chain
  out of regions predicted to fail and leaves it alone where nothing fails.

Designs are on the models' cube ``[-1, 1]^K`` (``K = space.n_unit``).  A first version used a
Gaussian-kernel classifier; it could not tell, far from every measured design (where the
front usually is), which inputs make a design fail (``docs/method.md``).
"""

from __future__ import annotations

import torch

from paretodiff.objective_model import ObjectiveModel

MEMBERS, WIDTH, DEPTH = 5, 64, 2  # the classifier's ensemble
STEPS, BATCH, LR = 1000, 256, 2e-3
P_MAX = 0.99  # the guidance's log(1 - p) is bounded: p is clipped here


class NegationSet:
    """The feasibility classifier of designs on ``[-1, 1]^K`` learned from failed and working designs."""

    def __init__(self, classifier: ObjectiveModel) -> None:
        self.classifier = classifier

    @classmethod
    def fit(cls, failed: torch.Tensor, worked: torch.Tensor, generator: torch.Generator) -> "NegationSet":
        """The classifier of ``failed (K_f, K)`` against ``worked (K_w, K)`` designs, seeded by ``generator``."""
        if failed.ndim != 2 or worked.ndim != 2 or failed.shape[1] != worked.shape[1] or not len(failed):
            raise ValueError(f"failed and worked designs must be 2-D with the same columns, got "
                             f"{tuple(failed.shape)} and {tuple(worked.shape)}")
        U = torch.cat([failed.float(), worked.float()])
        label = torch.cat([torch.ones(len(failed), 1), torch.zeros(len(worked), 1)])
        model = ObjectiveModel(U.shape[1], 1, MEMBERS, WIDTH, DEPTH)
        return cls(model.fit(U, label, generator=generator, lr=LR, batch=BATCH, steps=STEPS, val_every=100))

    @classmethod
    def empty(cls, width: int) -> "NegationSet":
        """An untrained classifier for ``width`` coordinates, to load weights into."""
        return cls(ObjectiveModel(width, 1, MEMBERS, WIDTH, DEPTH))

    def p_fail(self, U: torch.Tensor) -> torch.Tensor:
        """The predicted probability that designs ``U (B, K)`` fail, ``(B,)``."""
        return self.classifier.predict(U)[0][:, 0].clamp(0.0, 1.0)

    def gradient(self, U: torch.Tensor) -> torch.Tensor:
        """``∇_u log(1 - p_fail(u))`` for a batch ``U (B, K)``, ``(B, K)``."""
        with torch.enable_grad():
            u = U.detach().float().requires_grad_(True)
            p = self.classifier.net(u).mean(dim=0)[:, 0].clamp(0.0, P_MAX)
            (grad,) = torch.autograd.grad(torch.log1p(-p).sum(), u)
        return grad.to(U.dtype)

    def steer(self, gradient):
        """A guidance gradient ``g(x, t)`` with this set's ``∇ log(1 - p_fail)`` added."""
        def guided(x: torch.Tensor, t: int) -> torch.Tensor:
            return gradient(x, t) + self.gradient(x)

        return guided

    def tensors(self) -> dict[str, torch.Tensor]:
        """The weights-file entries (``negation.*``: the classifier's weights)."""
        return {f"negation.{k}": v.contiguous() for k, v in self.classifier.net.state_dict().items()}

    def load_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        """Load the entries :meth:`tensors` wrote (strictly: every one, nothing else)."""
        state = {k.removeprefix("negation."): v for k, v in tensors.items() if k.startswith("negation.")}
        self.classifier.net.load_state_dict(state, strict=True)
        self.classifier.net.eval().requires_grad_(False)
