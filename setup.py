"""Build hook for the one optional C extension; everything else is in pyproject.toml.

``salama.detect._ngrams`` scores hashed n-grams in C (see its source). It is optional: where no
C compiler is present the build goes on without it and the detector uses the NumPy path of
``salama.detect.features``, which gives the same scores, more slowly."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "salama.detect._ngrams",
            ["src/salama/detect/_ngrams.c"],
            extra_compile_args=["-O3", "-std=c11"],
            optional=True,
        )
    ]
)
