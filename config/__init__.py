"""Configuration: settings from the environment and the offices/agreements data files."""

from config.settings import DEV_SECRET_KEY, PROJECT_ROOT, Settings, get_settings

CONFIG_DIR = PROJECT_ROOT / "config"

__all__ = ["CONFIG_DIR", "DEV_SECRET_KEY", "PROJECT_ROOT", "Settings", "get_settings"]
