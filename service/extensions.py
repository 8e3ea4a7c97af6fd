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
def _load_user(session_key: str):
    # The session holds the key of a server-side web session (User.get_id), not the user's id:
    # a session that was logged out, ended by a password change or expired loads nobody.
    from service.accounts.service import user_for_session
    from service.db import get_session

    return user_for_session(get_session(), session_key)
