//! A stateful fake amoCRM API v4 server (work in progress).
