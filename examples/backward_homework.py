"""A code assignment: a student's affine + ReLU layer backward, checked by assert_backward.

The assignment asks for two numpy functions, as course assignments do:

    affine_relu_forward(X, W, b)   -> out, cache      out = max(0, X W + b)
    affine_relu_backward(dout, cache) -> dX, dW, db

The checker knows the layer as a program of the expression language. Its output must be
a number, so the upstream gradient dout is an input and the loss is L = sum(h * dout):
the gradient of L with respect to h is dout, as the backward receives it. A small
wrapper calls the student's functions with the inputs by name.

assert_backward compares the student's gradients with the traced reverse pass entry by
entry, with forward mode along random directions, and with central finite differences;
it raises AssertionError naming the first wrong gradient and entry. Three students:
a right backward, one with the transpose in dW written the wrong way round in a square
layer (right shape, wrong numbers), and one who forgot to sum db over the batch.

Run:  python examples/backward_homework.py
"""
import numpy as np

import autodiff_viz as av
from autodiff_viz.check import gradcheck

LAYER = """
out = X@W + b
h = relu(out)
L = sum(h*dout)
"""


# -- the student's code -----------------------------------------------------------------
def affine_relu_forward(X, W, b):
    out = X @ W + b
    return np.maximum(out, 0), (X, W, b, out)


def affine_relu_backward(dout, cache):
    X, W, b, out = cache
    dout = dout * (out > 0)  # through the ReLU: relu'(0) = 0
    dX = dout @ W.T
    dW = X.T @ dout
    db = dout.sum(axis=0)
    return dX, dW, db


def swapped_backward(dout, cache):  # dW = dout^T X instead of X^T dout
    X, W, b, out = cache
    dout = dout * (out > 0)
    return dout @ W.T, dout.T @ X, dout.sum(axis=0)


def unsummed_backward(dout, cache):  # db = dout: one row per example
    X, W, b, out = cache
    dout = dout * (out > 0)
    return dout @ W.T, X.T @ dout, dout


def checked(backward):
    """The student's backward as the checker calls it: inputs by name, gradients out."""
    def grads(X, W, b, dout):
        _, cache = affine_relu_forward(X, W, b)
        return backward(dout, cache)
    return grads


def forward_value(X, W, b, dout):  # the loss the program computes, from the student's forward
    h, _ = affine_relu_forward(X, W, b)
    return np.sum(h * dout)


rng = np.random.default_rng(0)
at = {"X": rng.normal(size=(3, 3)), "W": rng.normal(size=(3, 3)), "b": rng.normal(size=3),
      "dout": rng.normal(size=(3, 3))}
WRT = ["X", "W", "b"]

av.assert_backward(checked(affine_relu_backward), LAYER, at, wrt=WRT, forward_fn=forward_value)
print("the right backward: passed")
print(gradcheck(checked(affine_relu_backward), LAYER, at, wrt=WRT))

for title, backward in (("dW the wrong way round", swapped_backward),
                        ("db not summed", unsummed_backward)):
    print()
    print(f"{title}:")
    try:
        av.assert_backward(checked(backward), LAYER, at, wrt=WRT)
    except AssertionError as err:
        print(err)
