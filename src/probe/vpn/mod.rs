//! The VPNs' own handshakes, run with the user's profile: where the reachability probes
//! (`probe::reach`) only prove that a server answers a reset, these perform the handshake
//! that a VPN client reports as "TLS handshake failed", and stop before anything secret.

pub mod check;
pub mod openvpn;
