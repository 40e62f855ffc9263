package gmo

import (
	"errors"
	"strings"

	"github.com/kessai/payment"
)

// codePair is one ErrCode/ErrInfo pair of a GMO error reply.
type codePair struct {
	Code string // 3-character class, e.g. "E01", "G02", "C01"
	Info string // 9-character detail, e.g. "E01040010", "42G020000"
}

// String formats the pair as "E01/E01040010".
func (c codePair) String() string { return c.Code + "/" + c.Info }

var errMalformed = errors.New("malformed gmo response")

// ErrRedirectLost is the cause (errors.Is) of the ErrDeclined error Confirm
// returns when GMO started 3-D Secure for an ExecTran whose reply, carrying
// the customer's redirect, was lost: the order stays AUTHENTICATED at GMO
// (it reads as StatusPending), can never be paid, and no money moved.
// Create a new payment with a new order id.
var ErrRedirectLost = errors.New("gmo: 3-d secure redirect lost; the order cannot be paid, start a new order")

// codeMessage is the English and Japanese text of a GMO code.
type codeMessage struct{ en, ja string }

// messages holds the text of the common codes (GMO's error table v1.72 and
// the codes in gmo-protocol.md §6). Unlisted codes get a message for their
// class.
var messages = map[string]codeMessage{
	"E00000000": {"notification connectivity check", "通知テスト"},
	"E01010001": {"shop id not specified", "ショップIDが指定されていません。"},
	"E01020001": {"shop password not specified", "ショップパスワードが指定されていません。"},
	"E01030002": {"no shop with this shop id and password", "指定されたIDとパスワードのショップが存在しません。"},
	"E01040001": {"order id not specified", "オーダーIDが指定されていません。"},
	"E01040003": {"order id too long", "オーダーIDが最大文字数を超えています。"},
	"E01040010": {"order id already used", "既にオーダーIDが存在しています。"},
	"E01040013": {"order id contains invalid characters", "オーダーIDに不正な文字が存在します。"},
	"E01050001": {"job code not specified", "処理区分が指定されていません。"},
	"E01050002": {"job code not defined", "指定された処理区分は定義されていません。"},
	"E01050004": {"job code not allowed in the current state", "指定した処理区分の処理は実行出来ません。"},
	"E01060001": {"amount not specified", "利用金額が指定されていません。"},
	"E01060005": {"amount exceeds the maximum number of digits", "利用金額が最大桁数を超えています。"},
	"E01060006": {"amount contains non-digits", "利用金額に数字以外の文字が含まれています。"},
	"E01060010": {"amount differs from the transaction amount", "取引の利用金額と指定した利用金額が一致していません。"},
	"E01070005": {"tax exceeds the maximum number of digits", "税送料が最大桁数を超えています。"},
	"E01090001": {"access id not specified", "取引IDが指定されていません。"},
	"E01090008": {"access id format is wrong", "取引IDの書式が正しくありません。"},
	"E01100001": {"access password not specified", "取引パスワードが指定されていません。"},
	"E01100008": {"access password format is wrong", "取引パスワードの書式が正しくありません。"},
	"E01110002": {"no transaction with this access id and password", "指定されたIDとパスワードの取引が存在しません。"},
	"E01170001": {"card number not specified", "カード番号が指定されていません。"},
	"E01170006": {"card number contains non-digits", "カード番号に数字以外の文字が含まれています。"},
	"E01170011": {"card number is not 10 to 16 digits", "カード番号が10桁～16桁の範囲ではありません。"},
	"E01180001": {"expiry not specified", "有効期限が指定されていません。"},
	"E01180006": {"expiry contains non-digits", "有効期限に数字以外の文字が含まれています。"},
	"E01180008": {"expiry format is wrong", "有効期限の書式が正しくありません。"},
	"E01190001": {"site id not specified (is the Content-Type header sent?)", "サイトIDが指定されていません。"},
	"E01200001": {"site password not specified", "サイトパスワードが指定されていません。"},
	"E01210002": {"no site with this site id and password", "指定されたIDとパスワードのサイトが存在しません。"},
	"E01240002": {"card not found", "指定されたカードが存在しません。"},
	"E01390002": {"member not found", "指定されたサイトIDと会員IDの会員が存在しません。"},
	"E01390010": {"member already exists", "指定されたサイトIDと会員IDの会員が既に存在しています。"},
	"E01420010": {"authorization is too old", "仮売上有効期間を超えています。"},
	"E01490005": {"amount plus tax is out of range", "利用金額・税送料の合計値が有効範囲を超えています。"},
	"E11010001": {"transaction already settled", "この取引は既に決済が終了しています。"},
	"E11010002": {"transaction not settled yet", "この取引は決済が終了していませんので、変更する事が出来ません。"},
	"E11010003": {"job code not allowed for this transaction", "この取引は指定処理区分処理を行う事が出来ません。"},
	"E11010010": {"transaction older than 180 days", "180日超えの取引のため、処理を行う事が出来ません。"},
	"E21010001": {"3-d secure authentication failed", "3Dセキュア認証に失敗しました。もう一度、購入画面からやり直して下さい。"},
	"E21020001": {"3-d secure authentication failed", "3Dセキュア認証に失敗しました。もう一度、購入画面からやり直して下さい。"},
	"E21030001": {"3-d secure 2.0 authentication failed", "3Dセキュア認証に失敗しました。"},
	"E21030007": {"3-d secure 2.0 authentication failed", "3Dセキュア認証に失敗しました。"},
	"E21030201": {"card is not enrolled in 3-d secure", "このカードは3Dセキュアに対応していません。"},
	"E21030202": {"3-d secure is mandatory for this transaction", "3Dセキュア認証が必要です。"},
	"E31500014": {"request must use POST", "POSTで送信してください。"},
	"E41170099": {"card number rejected (check digit)", "カード番号に誤りがあります。再度確認して入力して下さい。"},
	"E61010002": {"card brand not contracted", "ご利用出来ないカードをご利用になったもしくはカード番号が誤っております。"},
	"E61040001": {"raw card numbers are not allowed by the contract", "現在のご契約ではカード番号を直接指定した決済はご利用いただけません。"},
	"E82010001": {"concurrent execution; the first request proceeds", "実行中にエラーが発生しました。処理は開始されませんでした。"},
	"E90010001": {"duplicate request while processing", "現在処理を行っているのでもうしばらくお待ち下さい。"},
	"E91019999": {"gateway system error", "決済処理に失敗しました。申し訳ございませんが、しばらく時間をあけて購入画面からやり直して下さい。"},
	"E91020001": {"gateway communication timeout", "通信タイムアウトが発生しました。"},
	"E91099997": {"unknown api", "リクエストされたAPIは存在しません。"},
	"E91099999": {"gateway system error", "決済処理に失敗しました。申し訳ございませんが、しばらく時間をあけて購入画面からやり直して下さい。"},
	"E92000001": {"gateway busy; retry later", "只今、大変込み合っていますので、しばらく時間をあけて再度決済を行ってください。"},
	"E92000002": {"gateway busy; retry later", "只今、大変込み合っていますので、しばらく時間をあけて再度決済を行ってください。"},
	"EX1000301": {"card token not found", "トークンが存在しません。"},
	"EX1000302": {"card token already used", "トークンは使用済みです。"},
	"EX1000303": {"card token expired", "トークンの有効期限が切れています。"},
	"EX1000304": {"card token invalid", "トークンが不正です。"},
	"42G020000": {"insufficient balance", "カード残高が不足しているために、決済を完了する事が出来ませんでした。"},
	"42G030000": {"card limit exceeded", "カード限度額を超えているために、決済を完了する事が出来ませんでした。"},
	"42G040000": {"insufficient balance", "カード残高が不足しているために、決済を完了する事が出来ませんでした。"},
	"42G050000": {"card limit exceeded", "カード限度額を超えているために、決済を完了する事が出来ませんでした。"},
	"42G060000": {"insufficient debit card balance", "デビットカードの残高が不足しているために、決済を完了する事が出来ませんでした。"},
	"42G120000": {"card cannot be used", "このカードでは取引をする事が出来ません。"},
	"42G440000": {"security code is wrong", "セキュリティーコードが誤っていた為に、決済を完了する事が出来ませんでした。"},
	"42G450000": {"security code missing", "セキュリティーコードが入力されていない為に、決済を完了する事が出来ませんでした。"},
	"42G550000": {"card limit exceeded", "カード限度額を超えているために、決済を完了する事が出来ませんでした。"},
	"42G650000": {"card number is wrong", "カード番号に誤りがあるために、決済を完了する事が出来ませんでした。"},
	"42G830000": {"expiry is wrong", "有効期限に誤りがあるために、決済を完了する事が出来ませんでした。"},
	"42G920000": {"declined by the issuer", "カード会社で任意に設定されたエラーのため、決済を完了する事が出来ませんでした。"},
}

// classMessages is the fallback text per class.
var classMessages = map[string]codeMessage{
	"E00": {"protocol error", "プロトコルエラー"},
	"E01": {"invalid parameter", "入力パラメータエラー"},
	"E11": {"transaction state does not allow this", "取引状態エラー"},
	"E21": {"3-d secure failed", "3Dセキュア認証エラー"},
	"E31": {"request method error", "リクエストメソッドエラー"},
	"E41": {"card number rejected", "カード番号エラー"},
	"E61": {"merchant contract does not allow this", "契約エラー"},
	"E82": {"concurrent execution", "多重実行エラー"},
	"E90": {"duplicate request while processing", "多重リクエストエラー"},
	"E91": {"gateway system error", "システムエラー"},
	"E92": {"gateway busy; retry later", "流量制限エラー"},
	"EX1": {"card token error", "トークンエラー"},
	"42G": {"declined by the card company", "カード会社でエラーとなりました。"},
	"42C": {"card network communication failure", "カード会社との通信に失敗しました。"},
	"M01": {"invalid parameter", "入力パラメータエラー"},
	"M11": {"transaction state does not allow this", "取引状態エラー"},
}

// Kind maps one GMO code to the payment error kind it means. It is the
// single place where GMO codes are classified; see the package
// documentation for the table. info is the 9-character ErrInfo, code the
// 3-character ErrCode (used when info is missing or unknown).
func Kind(code, info string) error {
	switch info {
	case "E01040010":
		return payment.ErrDuplicate
	case "E01110002", "E01240002", "E01390002":
		return payment.ErrNotFound
	case "E01390010":
		return payment.ErrDuplicate
	case "E01010001", "E01020001", "E01030002", "E01190001", "E01200001", "E01210002":
		return payment.ErrAuthentication
	case "E61010002":
		return payment.ErrDeclined
	}
	switch class := classOf(code, info); class {
	case "E01", "E11", "E00", "E31", "E61", "EX1", "M01", "M11":
		return payment.ErrInvalidRequest
	case "E21", "E41", "42G":
		return payment.ErrDeclined
	case "E92":
		return payment.ErrRateLimited
	case "E82", "E90", "E91", "42C":
		return payment.ErrOutcomeUnknown
	}
	// A code we do not know: never guess that nothing happened.
	return payment.ErrOutcomeUnknown
}

// classOf returns the class of a code pair: "E01", "42G", "42C"… Card
// company codes come as ErrCode "Gxx"/"Cxx" with ErrInfo "42G…"/"42C…".
func classOf(code, info string) string {
	if len(info) >= 3 {
		switch c := strings.ToUpper(info[:3]); c {
		case "42G", "42C":
			return c
		}
		if info[0] == 'E' || info[0] == 'M' {
			return strings.ToUpper(info[:3])
		}
	}
	if len(code) == 3 {
		switch code[0] {
		case 'G':
			return "42G"
		case 'C':
			return "42C"
		}
		return strings.ToUpper(code)
	}
	return ""
}

// kindRank orders kinds when one reply carries several codes: the most
// consequential kind wins.
func kindRank(k error) int {
	switch k {
	case payment.ErrOutcomeUnknown:
		return 7
	case payment.ErrRateLimited:
		return 6
	case payment.ErrAuthentication:
		return 5
	case payment.ErrDuplicate:
		return 4
	case payment.ErrNotFound:
		return 3
	case payment.ErrDeclined:
		return 2
	case payment.ErrInvalidRequest:
		return 1
	}
	return 0
}

// Message returns the English and Japanese text of a GMO ErrInfo code
// (falling back to its class), and whether any text is known.
func Message(info string) (en, ja string, ok bool) {
	if m, ok := messages[info]; ok {
		return m.en, m.ja, true
	}
	if m, ok := classMessages[classOf("", info)]; ok {
		return m.en, m.ja, true
	}
	return "", "", false
}

// gatewayError builds the *payment.Error for a GMO error reply: the kind
// of the most consequential code, every raw code in order, and the message
// of the primary code.
func gatewayError(op string, codes []codePair) *payment.Error {
	e := &payment.Error{Provider: providerName, Op: op}
	best := -1
	for _, c := range codes {
		e.GatewayCodes = append(e.GatewayCodes, c.String())
		k := Kind(c.Code, c.Info)
		if kindRank(k) > best {
			best = kindRank(k)
			e.Kind = k
			e.GatewayCode = c.Info
		}
	}
	if e.Kind == nil {
		e.Kind = payment.ErrOutcomeUnknown
	}
	if en, ja, ok := Message(e.GatewayCode); ok {
		e.Message, e.MessageJA = en, ja
	}
	e.RetrySafe = e.Kind == payment.ErrRateLimited
	return e
}

// hasInfo reports whether codes contain info.
func hasInfo(codes []codePair, info string) bool {
	for _, c := range codes {
		if c.Info == info {
			return true
		}
	}
	return false
}
