"""The settings of ``bench/pages.py``'s server: the product's, with the floor page's URL."""

from config.settings import *  # noqa: F403 - the product's settings, one change below

ROOT_URLCONF = "pages_urls"
