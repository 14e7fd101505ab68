"""Keep the login across reloads and tabs: a signed token in a cookie, set and cleared by a small script."""

from __future__ import annotations

import json

import streamlit as st

from dashboard.auth import COOKIE, SESSION_SECONDS, Identity, read_token
from workflows.db import read_session

_PENDING = "_cookie_script"


def restore() -> Identity | None:
    """The identity of the request's session cookie, if it is still valid."""
    token = st.context.cookies.get(COOKIE) if st.context.cookies else None
    with read_session() as session:
        return read_token(session, token)


def remember(token: str) -> None:
    """Set the session cookie on the next run (the script must reach the browser, so not before st.rerun)."""
    st.session_state[_PENDING] = f"{COOKIE}={token}; Max-Age={SESSION_SECONDS}; Path=/; SameSite=Strict"


def forget() -> None:
    st.session_state[_PENDING] = f"{COOKIE}=; Max-Age=0; Path=/; SameSite=Strict"


def flush() -> None:
    """Write a pending cookie change in the browser."""
    cookie = st.session_state.pop(_PENDING, None)
    if cookie:
        st.html(f"<script>document.cookie = {json.dumps(cookie)};</script>", unsafe_allow_javascript=True)
