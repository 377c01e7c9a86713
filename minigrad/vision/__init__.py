"""A torchvision-shaped corner of minigrad: ``from minigrad.vision import datasets, transforms``.

Only what MNIST course code needs: ``datasets.MNIST`` over the bundled files, and the
``transforms`` Compose, ToTensor, Normalize and Lambda.
"""
from . import datasets, transforms
