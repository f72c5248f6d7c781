"""Gaussian-process emulators of a summary's mean over seeds (scikit-learn).

An emulator is fitted to the means over replications at a wave's design points, with each
mean's own sampling variance (its replications' variance over their number) as the noise on
that point, so that the emulator's variance is the uncertainty about the mean function alone
and seed noise is counted once, in the implausibility. Inputs are positions in the prior's
unit cube; outputs are standardised before the fit. The kernel is a constant times an
anisotropic squared exponential (one length per parameter), the usual choice for smooth
simulator responses (Rasmussen and Williams 2006, section 4.2).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel

#: the smallest noise on a design point's mean, relative to the means' variance: keeps the
#: fit well conditioned for a deterministic model
JITTER = 1e-8


@dataclass
class Emulator:
    """A fitted emulator: `predict` gives the mean and variance of the summary's mean."""

    gp: GaussianProcessRegressor
    centre: float
    spread: float
    theta: list[float]  # the kernel's fitted log-hyperparameters (for the wave's record)

    def predict(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, sd = self.gp.predict(np.atleast_2d(u), return_std=True)
        return self.centre + self.spread * mean, (self.spread * sd) ** 2

    def leave_one_out(self) -> tuple[np.ndarray, np.ndarray]:
        """Each design point's mean predicted from the others (mean, variance), with the
        hyperparameters held (Rasmussen and Williams 2006, eq. 5.12)."""
        gp = self.gp
        k = gp.kernel_(gp.X_train_) + np.diag(np.broadcast_to(gp.alpha, len(gp.X_train_)))
        inverse = np.linalg.inv(k)
        y = gp.y_train_
        diag = np.diag(inverse)
        mean = y - (inverse @ y) / diag
        return self.centre + self.spread * mean, self.spread**2 / diag


def fit_emulator(
    u: np.ndarray,
    means: np.ndarray,
    mean_variances: np.ndarray,
    seed: int = 0,
    theta: list[float] | None = None,
) -> Emulator:
    """An emulator of the means at unit-cube points u[n, d]; with `theta` (a fitted
    emulator's), the same emulator again without a search."""
    u = np.atleast_2d(u)
    centre = float(np.mean(means))
    spread = float(np.std(means)) or 1.0
    y = (means - centre) / spread
    alpha = np.maximum(mean_variances / spread**2, JITTER)
    d = u.shape[1]
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(d, 0.3), (1e-2, 1e2))
    if theta is not None:
        kernel = kernel.clone_with_theta(np.asarray(theta))
    gp = GaussianProcessRegressor(
        kernel,
        alpha=alpha,
        normalize_y=False,
        n_restarts_optimizer=3,
        random_state=seed,
        optimizer=None if theta is not None else "fmin_l_bfgs_b",
    )
    with warnings.catch_warnings():
        # a length at its bound is a flat direction, not a failure: the leave-one-out
        # check in the wave's record says whether the emulator is fit for use
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(u, y)
    return Emulator(gp, centre, spread, [float(t) for t in gp.kernel_.theta])
