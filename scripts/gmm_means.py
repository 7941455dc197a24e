#!/usr/bin/env python3
"""Write the means of FAB's 2D Gaussian-mixture benchmark with N components as .npy.

FAB (Midgley et al. 2023) and iDEM draw the means as
    torch.manual_seed(0); (torch.rand(N, 2) - 0.5) * 2 * 40
(fab/target_distributions/gmm.py). With N = 40 this gives iDEM's gmm40_means.npy exactly;
iwsm/target/data/gmm120_means.npy was written by this script with N = 120, whose first 40
rows are again GMM-40's means. Needs PyTorch (Debian: python3-torch).

usage: python3 scripts/gmm_means.py N OUT.npy
"""
import sys

import numpy as np
import torch

n, out = int(sys.argv[1]), sys.argv[2]
torch.manual_seed(0)
means = (torch.rand((n, 2)) - 0.5) * 2 * 40
np.save(out, means.numpy().astype(np.float64))
