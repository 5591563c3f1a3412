"""Neural networks written out by hand: layers with explicit backward passes, losses,
optimizers and the ``Sequential`` model."""

from isingml.nn.layers import (
    Dense,
    Flatten,
    Layer,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from isingml.nn.losses import BinaryCrossEntropy, Loss, MeanSquaredError, SoftmaxCrossEntropy
from isingml.nn.model import Sequential
from isingml.nn.optimizers import SGD, Adam, Optimizer, schedule

__all__ = [
    "SGD",
    "Adam",
    "BinaryCrossEntropy",
    "Dense",
    "Flatten",
    "Layer",
    "LeakyReLU",
    "Loss",
    "MeanSquaredError",
    "Optimizer",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "SoftmaxCrossEntropy",
    "Tanh",
    "schedule",
]
