use core::fmt;

/// Everything that can go wrong between the gateway and the upstream database.
#[derive(Debug)]
pub enum Error {
    /// The configuration cannot work (a non-local host without TLS, an empty gateway name, a
    /// password file that cannot be read…); the text says what to change.
    Config(String),
    /// The database refused or failed a statement, or the connection failed.
    Db(mysql::Error),
    /// The upstream tables lack what the gateway needs; the text says which and how to fix it.
    Schema(String),
    /// The local store failed.
    Store(crate::linux::store::Error),
}

impl Error {
    /// The connection is gone or unusable (network, server restart, timeout, TLS): drop it and
    /// reconnect after the backoff. Anything else is a statement failing on a healthy link.
    pub fn is_connectivity(&self) -> bool {
        match self {
            Error::Db(mysql::Error::MySqlError(e)) => is_gone_code(e.code),
            Error::Db(e) => e.is_connectivity_error(),
            Error::Config(_) | Error::Schema(_) | Error::Store(_) => false,
        }
    }
}

/// Server error codes that mean the session is lost even though the server answered:
/// shutdown in progress (1053), connection killed (1927 in MariaDB, 1317 interrupted), too many
/// connections (1040), and the client-side "gone away"/"lost connection" codes (2006, 2013).
fn is_gone_code(code: u16) -> bool {
    matches!(code, 1040 | 1053 | 1317 | 1927 | 2006 | 2013)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(m) => write!(f, "upstream configuration: {m}"),
            Error::Db(e) => match e {
                mysql::Error::MySqlError(e) => write!(f, "database: {} (error {})", e.message, e.code),
                mysql::Error::IoError(e) => write!(f, "database connection: {e}"),
                mysql::Error::DriverError(e) => write!(f, "database connection: {e}"),
                mysql::Error::CodecError(e) => write!(f, "database connection: {e}"),
                mysql::Error::TlsError(e) => write!(f, "database TLS: {e}"),
                other => write!(f, "database: {other}"),
            },
            Error::Schema(m) => write!(f, "upstream schema: {m}"),
            Error::Store(e) => write!(f, "local store: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<mysql::Error> for Error {
    fn from(e: mysql::Error) -> Self {
        Error::Db(e)
    }
}

impl From<crate::linux::store::Error> for Error {
    fn from(e: crate::linux::store::Error) -> Self {
        Error::Store(e)
    }
}

pub type Result<T, E = Error> = core::result::Result<T, E>;
