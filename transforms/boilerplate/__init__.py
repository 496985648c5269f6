"""Boilerplate removal shared by every raw form: blocks in, the article's blocks out.

``blocks.py`` the ``Block`` a form parser produces; ``signals.py`` one function per boilerplate signal;
``classify.py`` the classifier (densest prose run, cut rules) built on the signals.
"""
from transforms.boilerplate.blocks import Block, Image
from transforms.boilerplate.classify import Article, classify

__all__ = ["Article", "Block", "Image", "classify"]
