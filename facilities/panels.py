from .views import PANELS

__all__ = ["PANELS"]
