// Package gmotest is a stateful, offline simulator of the GMO Payment
// Gateway "protocol type" API (/payment/<Api>.idPass) for tests, the
// conformance suite and paysim.
//
// # Status
//
// Work in progress: the public API is stable, the endpoints are being
// filled in.
package gmotest
