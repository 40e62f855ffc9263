package golomt

import "github.com/kessai/payment"

func paymentSecret(s string) payment.Secret { return payment.Secret(s) }
