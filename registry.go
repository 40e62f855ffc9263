package payment

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Opener builds a provider from a URL such as
// "gmo://SHOPID:SHOPPASS@pt01.mul-pay.jp?site_id=...". Adapter packages
// register one for their scheme from init.
type Opener func(ctx context.Context, u *url.URL) (Provider, error)

// Registry maps URL schemes to openers. The zero value is ready to use and
// it is safe for concurrent use.
type Registry struct {
	mu      sync.RWMutex
	openers map[string]Opener
}

// Register makes opener available for scheme. Like sql.Register it panics on
// an empty scheme, a nil opener or a duplicate scheme.
func (r *Registry) Register(scheme string, opener Opener) {
	if scheme == "" {
		panic("payment: Register with empty scheme")
	}
	if opener == nil {
		panic("payment: Register opener is nil for " + scheme)
	}
	scheme = strings.ToLower(scheme)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.openers == nil {
		r.openers = make(map[string]Opener)
	}
	if _, dup := r.openers[scheme]; dup {
		panic("payment: Register called twice for scheme " + scheme)
	}
	r.openers[scheme] = opener
}

// Providers returns the registered schemes, sorted.
func (r *Registry) Providers() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.openers))
	for s := range r.openers {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Open parses rawURL and calls the opener registered for its scheme. An
// unknown scheme fails with an error wrapping ErrUnknownProvider that lists
// the registered schemes. Errors never repeat the URL, which may hold
// credentials.
func (r *Registry) Open(ctx context.Context, rawURL string) (Provider, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" {
		// url.Parse's error repeats the input; do not wrap it.
		return nil, &Error{Op: "open", Kind: ErrInvalidRequest, Message: "provider URL must look like scheme://…"}
	}
	scheme := strings.ToLower(u.Scheme)
	r.mu.RLock()
	opener := r.openers[scheme]
	r.mu.RUnlock()
	if opener == nil {
		known := r.Providers()
		return nil, &Error{Op: "open", Kind: ErrUnknownProvider, Message: fmt.Sprintf(
			"no provider registered for scheme %q (registered: %s); did you forget to import the adapter, e.g. _ \"github.com/kessai/payment/%s\"?",
			scheme, strings.Join(known, ", "), scheme)}
	}
	return opener(ctx, u)
}

var defaultRegistry Registry

// Register registers opener for scheme in the default registry.
func Register(scheme string, opener Opener) { defaultRegistry.Register(scheme, opener) }

// Open opens a provider URL with the default registry.
func Open(ctx context.Context, rawURL string) (Provider, error) {
	return defaultRegistry.Open(ctx, rawURL)
}

// Providers lists the schemes in the default registry, sorted.
func Providers() []string { return defaultRegistry.Providers() }
