use std::sync::{Arc, Mutex, MutexGuard};

use synkro_core::error::SourceError;

/// One request a fake served (or refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Backend name of the fake (`amocrm`, `radist`).
    pub backend: &'static str,
    /// Operation, e.g. `deals`, `contacts`, `chats`, `messages`.
    pub operation: String,
    /// The page cursor asked for.
    pub cursor: Option<String>,
}

/// How a fake fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer like a server that is down (`SourceError::Unavailable`).
    Unavailable,
    /// Answer like an expired token (`SourceError::Unauthenticated`).
    Unauthenticated,
    /// Answer like a blocked account (`SourceError::Forbidden`).
    Blocked,
}

impl Fault {
    pub(crate) fn error(self, backend: &'static str, operation: &str) -> SourceError {
        let operation = format!("GET {operation}");
        match self {
            Self::Unavailable => SourceError::Unavailable {
                backend,
                operation,
                source: Some("connection reset by peer".into()),
            },
            Self::Unauthenticated => SourceError::Unauthenticated { backend, operation },
            Self::Blocked => SourceError::Forbidden {
                backend,
                operation,
                reason: "the account is blocked".into(),
            },
        }
    }
}

/// Which requests fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FaultPlan {
    pub(crate) fault: Fault,
    /// Only this operation (`None`: every operation).
    pub(crate) operation: Option<String>,
    /// Requests that succeed before the fault starts.
    pub(crate) after: usize,
}

type Hook = Arc<dyn Fn(&Request) + Send + Sync>;

/// The shared request log, fault plan and hook of a fake.
#[derive(Default, Clone)]
pub(crate) struct Recorder {
    inner: Arc<Mutex<RecorderInner>>,
}

#[derive(Default)]
struct RecorderInner {
    log: Vec<Request>,
    fault: Option<FaultPlan>,
    hook: Option<Hook>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("requests", &self.lock().log.len())
            .finish_non_exhaustive()
    }
}

impl Recorder {
    fn lock(&self) -> MutexGuard<'_, RecorderInner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Logs a request, runs the hook, and returns the planned fault if this request fails.
    pub(crate) fn record(
        &self,
        backend: &'static str,
        operation: &str,
        cursor: Option<&str>,
    ) -> Result<(), SourceError> {
        let req = Request {
            backend,
            operation: operation.to_owned(),
            cursor: cursor.map(str::to_owned),
        };
        let (hook, fault) = {
            let mut g = self.lock();
            g.log.push(req.clone());
            let served = g.log.len() - 1;
            let fault = g.fault.as_ref().filter(|p| {
                p.operation.as_deref().is_none_or(|o| o == operation) && served >= p.after
            });
            (g.hook.clone(), fault.map(|p| p.fault))
        };
        if let Some(hook) = hook {
            hook(&req);
        }
        match fault {
            Some(f) => Err(f.error(backend, operation)),
            None => Ok(()),
        }
    }

    pub(crate) fn requests(&self) -> Vec<Request> {
        self.lock().log.clone()
    }

    pub(crate) fn set_fault(&self, plan: Option<FaultPlan>) {
        self.lock().fault = plan;
    }

    pub(crate) fn set_hook(&self, hook: Hook) {
        self.lock().hook = Some(hook);
    }
}
