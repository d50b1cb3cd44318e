import pytest

# The shared harness holds assertions and fixtures: let pytest rewrite it like a conftest.
pytest.register_assert_rewrite("tests.web.web_harness")
