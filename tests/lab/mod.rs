pub mod openvpn;
pub mod udp;
