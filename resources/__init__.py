"""Data shipped with ReviewDesk, read with importlib.resources.

- ``policy/<version>/``: the measures of 聊政办发〔2023〕10号 as data, with the source text;
- ``samples/``: a sample intake file and its expected results (used by ``--self-test``).

It is a package so that ``importlib.resources.files("resources")`` works from a
checkout and from the frozen (PyInstaller) build alike.
"""
