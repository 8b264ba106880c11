//! The Linux shell: everything that touches the operating system.

pub mod board;
pub mod calls;
pub mod cli;
pub mod clock;
pub mod config;
pub mod control;
pub mod dates;
pub mod gateway;
pub mod hook;
pub mod inbox_config;
pub mod keywords;
pub mod log;
pub mod message;
pub mod modem_port;
pub mod number;
pub mod pty;
pub mod serial;
pub mod sim_server;
pub mod store;
pub mod systemd;
pub mod tty;
pub mod upstream;
