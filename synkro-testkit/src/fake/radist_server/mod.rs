//! A stateful fake Radist.Online v2 API server (work in progress).
