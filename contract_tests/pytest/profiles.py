"""The suite's Hypothesis profiles (quick, ci, thorough) and the seed of a random one.

Chosen with Hypothesis's own --hypothesis-profile. `ci` is the default: the same examples
on every run (derandomize) and no example database, so a developer's dirty `.hypothesis/`
never replays an old failure that a clean CI checkout would not. None prints Hypothesis's
blob: the summary gives the seed and the curl instead. They are registered only once the
suite runs or one is named: Hypothesis has a `ci` profile of its own, which it loads on CI
machines, and other tests where the package is installed keep it.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import settings
from hypothesis.errors import InvalidArgument

from contract_tests import parallel

DEFAULT_PROFILE = "ci"
SUITE_PROFILES = ("quick", DEFAULT_PROFILE, "thorough")
_REPRODUCIBLE = {"derandomize": True, "database": None, "print_blob": False, "deadline": None}


def use_suite_profiles(default: bool) -> None:
    """Register the suite's profiles, and load `ci` if `default`."""
    settings.register_profile("quick", max_examples=10, **_REPRODUCIBLE)
    settings.register_profile(DEFAULT_PROFILE, max_examples=100, **_REPRODUCIBLE)
    # Thorough explores new examples on each run, from the seed the summary shows. Said
    # outright: a profile inherits from the one loaded, and on CI machines Hypothesis has
    # loaded its own `ci` profile, which derandomizes.
    settings.register_profile(
        "thorough",
        max_examples=1000,
        derandomize=False,
        database=None,
        print_blob=False,
        deadline=None,
    )
    if default:
        settings.load_profile(DEFAULT_PROFILE)


def configure(config: pytest.Config) -> None:
    """Before Hypothesis configures itself: the suite's profile it is to load, if one is
    named, and for a random one a seed that the summary can show, if none is given (under
    xdist, the controller's)."""
    named = config.getoption("hypothesis_profile")
    if named in SUITE_PROFILES:
        use_suite_profiles(default=False)
    try:
        profile = settings.get_profile(named or DEFAULT_PROFILE)
    except InvalidArgument:
        raise pytest.UsageError(
            f"unknown --hypothesis-profile {named!r}; the suite's are quick, ci, thorough"
        ) from None
    # A seed only for the suite's random profile: other tests' profiles are not ours.
    random_suite_profile = named in SUITE_PROFILES and not profile.derandomize
    if random_suite_profile and config.getoption("hypothesis_seed") is None:
        seed = parallel.controller_seed(config) or str(random.randrange(2**32))
        config.option.hypothesis_seed = seed


def name_and_seed(config: pytest.Config) -> tuple[str, str]:
    """The profile the run uses, and its seed as the summary says it."""
    profile = config.getoption("hypothesis_profile") or DEFAULT_PROFILE
    seed = config.getoption("hypothesis_seed")
    return profile, f"derandomized by profile {profile}" if seed is None else str(seed)
