package payment

import (
	"context"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegistry(t *testing.T) {
	var r Registry
	var got *url.URL
	r.Register("b", func(_ context.Context, u *url.URL) (Provider, error) { got = u; return nil, nil })
	r.Register("A", func(context.Context, *url.URL) (Provider, error) { return nil, nil })
	assert.Equal(t, []string{"a", "b"}, r.Providers())

	_, err := r.Open(context.Background(), "b://user:pass@host/path?x=1")
	require.NoError(t, err)
	assert.Equal(t, "host", got.Host)

	_, err = r.Open(context.Background(), "zzz://user:SECRETPASS@host")
	require.ErrorIs(t, err, ErrUnknownProvider)
	assert.Contains(t, err.Error(), "a, b")
	assert.Contains(t, err.Error(), "import")
	assert.NotContains(t, err.Error(), "SECRETPASS")

	_, err = r.Open(context.Background(), "::not a url SECRETPASS")
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.NotContains(t, err.Error(), "SECRETPASS")

	assert.Panics(t, func() { r.Register("", func(context.Context, *url.URL) (Provider, error) { return nil, nil }) })
	assert.Panics(t, func() { r.Register("c", nil) })
	assert.Panics(t, func() { r.Register("a", func(context.Context, *url.URL) (Provider, error) { return nil, nil }) })
}

func TestRegistryConcurrent(t *testing.T) {
	var r Registry
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(2)
		go func(i int) {
			defer wg.Done()
			r.Register(string(rune('a'+i)), func(context.Context, *url.URL) (Provider, error) { return nil, nil })
		}(i)
		go func() { defer wg.Done(); _ = r.Providers(); _, _ = r.Open(context.Background(), "q://x") }()
	}
	wg.Wait()
	assert.Len(t, r.Providers(), 20)
}
