from django.apps import AppConfig


class RecoveriesConfig(AppConfig):
    name = "recoveries"
