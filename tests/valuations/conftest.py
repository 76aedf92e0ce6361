from tests.casework.conftest import program, submitted  # noqa: F401
