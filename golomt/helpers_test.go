package golomt

import (
	"os"
	"path/filepath"
	"time"

	"github.com/kessai/payment"
)

func paymentSecret(s string) payment.Secret { return payment.NewSecret(s) }

func readFile(name string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", name)) }

type fixedClock struct{}

func (fixedClock) Now() time.Time { return time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC) }
