"""Neural networks written out by hand: layers with explicit backward passes, losses,
optimizers, the ``Sequential`` model and autoencoders (scikit-learn estimators), one epoch
loop (:mod:`isingml.nn.training`) on the CPU and the GPU."""

from isingml.nn.autoencoder import Autoencoder, VariationalAutoencoder
from isingml.nn.conv import AvgPool2D, Conv2D, MaxPool2D
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
from isingml.nn.training import LossDiverged

__all__ = [
    "SGD",
    "Adam",
    "Autoencoder",
    "AvgPool2D",
    "BinaryCrossEntropy",
    "Conv2D",
    "Dense",
    "Flatten",
    "Layer",
    "LeakyReLU",
    "Loss",
    "LossDiverged",
    "MaxPool2D",
    "MeanSquaredError",
    "Optimizer",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "SoftmaxCrossEntropy",
    "Tanh",
    "VariationalAutoencoder",
    "schedule",
]
