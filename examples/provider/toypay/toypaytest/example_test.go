package toypaytest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/kessai/payment/examples/provider/toypay/toypaytest"
)

func post(s *toypaytest.Server, path, body string) (*http.Response, error) {
	req, _ := http.NewRequest(http.MethodPost, s.URL()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+toypaytest.APIKey)
	req.Header.Set("Content-Type", "application/json")
	return http.DefaultClient.Do(req)
}

// A charge whose answer is lost: the ledger still shows the money moved.
func ExampleServer_InjectFault() {
	s := toypaytest.NewServer()
	defer s.Close()
	resp, err := post(s, "/v1/payments", `{"order_id":"o-1","amount":"1000","currency":"JPY","capture":"automatic"}`)
	if err != nil {
		panic(err)
	}
	var created struct{ ID string }
	_ = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	id := created.ID

	s.InjectFault("confirm", toypaytest.FaultDropAfterProcess)
	_, err = post(s, "/v1/payments/"+id+"/confirm", `{"request_id":"r1","card_token":"`+toypaytest.TokenApprove+`"}`)
	fmt.Println("answer lost:", err != nil)
	l := s.Ledger("o-1")
	fmt.Println("charges:", l.Charges, "charged:", l.Charged, l.Currency)
	// Output:
	// answer lost: true
	// charges: 1 charged: 1000 JPY
}
