package rpc

// Subscribers reports the live subscriptions of each kind, for tests.
func Subscribers(s *Server) (heads, events int) { return s.heads.size(), s.events.size() }
