pub mod dns;
pub mod http;
pub mod openvpn;
pub mod udp;
