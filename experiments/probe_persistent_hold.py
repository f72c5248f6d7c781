import numpy as np, math
from openness.model import OpennessModel
from openness.scenario import load_scenario
from openness.kernels.rng import uniform, stream_key
from openness.kernels.developers import family_layout, decay_tables
sc = load_scenario("scenarios/deepseek_cascade.toml", {"simulation.developers": 20000, "simulation.enterprises": 2000})
for seed in (1, 2):
    m = OpennessModel(sc, seed=seed)
    cap = {}
    orig = m.developers.step
    def step(offers, exp_util, af, key, month):
        r = orig(offers, exp_util, af, key, month); cap.update(eu=exp_util, offers=offers, month=month, key=key); return r
    m.developers.step = step
    for _ in range(25): m.step()
    d = m.developers; eu = cap["eu"]; offers = cap["offers"]; month = cap["month"]
    cum, order, start, last = family_layout(eu, offers.lab)
    nf = len(start) - 1
    km = np.uint64(stream_key(cap["key"], 0, 3))
    keep_pow, accrued = decay_tables(d.ft_keep, month)
    ft_add = d._ft_add(offers)
    would = held = 0
    for i in np.flatnonzero(d.offer >= 0):
        g = d.segment[i]; o = d.offer[i]; own = offers.lab[o]
        h = min(max(month - d.ft_month[i], 0), month)
        phi = d.finetune[i] * keep_pow[g, h] + ft_add[g, o] * accrued[g, h]
        damp = math.exp(-d.beta_switch[g] * phi)
        W = np.array([cum[g, start[f+1]] - cum[g, start[f]] for f in range(nf)])
        E = np.array([-math.log(1 - uniform(km, i * nf + f)) for f in range(nf)])
        free = int(np.argmax(np.where(W > 0, W / E, -1)))
        Wl = np.where(np.arange(nf) == own, W, W * damp)
        lock = int(np.argmax(np.where(W > 0, Wl / E, -1)))
        if free != own:
            would += 1
            held += lock == own
    n = (d.offer >= 0).sum()
    print(seed, "adopters", n, "would switch free", would / n, "held share", held / max(would, 1))
