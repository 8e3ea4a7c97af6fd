"""Flask extensions, created once and bound to each app with ``init_app``."""

from __future__ import annotations

from flask_babel import Babel, lazy_gettext
from flask_login import LoginManager
from flask_wtf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = lazy_gettext("Please log in to continue.")
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(user_id: str):
    from service.accounts.service import get_user
    from service.db import get_session

    try:
        user = get_user(get_session(), int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None
