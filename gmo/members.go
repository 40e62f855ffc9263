package gmo

import (
	"context"

	"github.com/kessai/payment"
)

// CardStore is GMO's member and stored-card API (site credentials). Charge
// a stored card with payment.PaymentMethod.StoredCard (CustomerID =
// MemberID, CardID = CardSeq). *Provider implements it; every method fails
// with ErrInvalidRequest before any I/O when Config has no SiteID/SitePass.
type CardStore interface {
	SaveMember(ctx context.Context, m Member) (*Member, error)
	SearchMember(ctx context.Context, memberID string) (*Member, error)
	DeleteMember(ctx context.Context, memberID string) error
	SaveCard(ctx context.Context, req SaveCardRequest) (*Card, error)
	SearchCard(ctx context.Context, memberID, cardSeq string) ([]Card, error)
	DeleteCard(ctx context.Context, memberID, cardSeq string) error
}

// Member is a GMO site member.
type Member struct {
	ID      string // MemberID, at most 60 characters
	Name    string // MemberName
	Deleted bool   // DeleteFlag=1
}

// Card is a stored card. Number is masked by GMO.
type Card struct {
	Seq     string // CardSeq (logical numbering, SeqMode 0)
	Default bool
	Name    string
	Number  string // masked, e.g. "*************111"
	Expire  string // YYMM
	Holder  string
	Deleted bool
}

// SaveCardRequest stores a card from a token (GMO token.js) for a member.
type SaveCardRequest struct {
	MemberID string
	// Token is a single-use card token.
	Token payment.Secret
	// CardSeq updates an existing card instead of adding one.
	CardSeq string
	Default bool
	Name    string // CardName
	Holder  string // HolderName, at most 50 characters
}

func (p *Provider) siteForm(op string, memberID string) (*form, error) {
	if p.cfg.SiteID == "" {
		return nil, payment.InvalidRequest(providerName, op, "Config.SiteID", "stored cards need Config.SiteID and SitePass")
	}
	if err := checkMemberID(op, "MemberID", memberID); err != nil {
		return nil, err
	}
	f := &form{buf: make([]byte, 0, 160)}
	f.add("SiteID", p.cfg.SiteID)
	f.addSecret("SitePass", p.cfg.SitePass)
	f.add("MemberID", memberID)
	return f, nil
}

// checkMemberID: at most 60 characters of a-z A-Z 0-9 and -_.@.
func checkMemberID(op, field, id string) error {
	if id == "" || len(id) > 60 {
		return payment.InvalidRequest(providerName, op, field, "member id must be 1 to 60 characters")
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '@') {
			return payment.InvalidRequest(providerName, op, field, "member id may contain only a-z, A-Z, 0-9 and - _ . @")
		}
	}
	return nil
}

func checkCardSeq(op, field, seq string, optional bool) error {
	if seq == "" && optional {
		return nil
	}
	if !isDigits(seq) || len(seq) > 4 {
		return payment.InvalidRequest(providerName, op, field, "card seq must be 1 to 4 digits")
	}
	return nil
}

func checkText(op, field, s string, maxLen int) error {
	if len([]rune(s)) > maxLen {
		return payment.InvalidRequest(providerName, op, field, "too long (max "+itoa(int64(maxLen))+" characters)")
	}
	return nil
}

// SaveMember registers a member (SaveMember). An existing MemberID fails
// with ErrDuplicate (E01390010).
func (p *Provider) SaveMember(ctx context.Context, m Member) (*Member, error) {
	const op = "save_member"
	f, err := p.siteForm(op, m.ID)
	if err != nil {
		return nil, err
	}
	if err := checkText(op, "Name", m.Name, 255); err != nil {
		return nil, err
	}
	f.add("MemberName", m.Name)
	r, err := p.call(ctx, op, "SaveMember", f, false, nil)
	if err != nil {
		return nil, err
	}
	return &Member{ID: r.get("MemberID"), Name: m.Name}, nil
}

// SearchMember reads a member. An unknown one fails with ErrNotFound
// (E01390002).
func (p *Provider) SearchMember(ctx context.Context, memberID string) (*Member, error) {
	const op = "search_member"
	f, err := p.siteForm(op, memberID)
	if err != nil {
		return nil, err
	}
	r, err := p.call(ctx, op, "SearchMember", f, true, nil)
	if err != nil {
		return nil, err
	}
	return &Member{ID: r.get("MemberID"), Name: r.get("MemberName"), Deleted: r.get("DeleteFlag") == "1"}, nil
}

// DeleteMember deletes a member.
func (p *Provider) DeleteMember(ctx context.Context, memberID string) error {
	const op = "delete_member"
	f, err := p.siteForm(op, memberID)
	if err != nil {
		return err
	}
	_, err = p.call(ctx, op, "DeleteMember", f, false, nil)
	return err
}

// SaveCard stores the card behind a token for a member (SaveCard with
// SeqMode 0). The token is single use.
func (p *Provider) SaveCard(ctx context.Context, req SaveCardRequest) (*Card, error) {
	const op = "save_card"
	f, err := p.siteForm(op, req.MemberID)
	if err != nil {
		return nil, err
	}
	tok := req.Token.Reveal()
	if tok == "" || len(tok) > 512 || !printableASCII(tok) {
		return nil, payment.InvalidRequest(providerName, op, "Token", "a card token is required")
	}
	if err := checkCardSeq(op, "CardSeq", req.CardSeq, true); err != nil {
		return nil, err
	}
	if err := checkText(op, "Holder", req.Holder, 50); err != nil {
		return nil, err
	}
	if err := checkText(op, "Name", req.Name, 10); err != nil {
		return nil, err
	}
	f.add("SeqMode", "0")
	f.add("CardSeq", req.CardSeq)
	if req.Default {
		f.add("DefaultFlag", "1")
	}
	f.add("CardName", req.Name)
	f.addSecret("Token", req.Token)
	f.add("HolderName", req.Holder)
	r, err := p.call(ctx, op, "SaveCard", f, false, nil)
	if err != nil {
		return nil, err
	}
	return &Card{Seq: r.get("CardSeq"), Default: req.Default, Name: req.Name, Number: r.get("CardNo"), Holder: req.Holder}, nil
}

// SearchCard lists a member's cards (cardSeq "") or reads one. Several
// cards come back as '|'-joined columns. No card fails with ErrNotFound
// (E01240002).
func (p *Provider) SearchCard(ctx context.Context, memberID, cardSeq string) ([]Card, error) {
	const op = "search_card"
	f, err := p.siteForm(op, memberID)
	if err != nil {
		return nil, err
	}
	if err := checkCardSeq(op, "CardSeq", cardSeq, true); err != nil {
		return nil, err
	}
	f.add("SeqMode", "0")
	f.add("CardSeq", cardSeq)
	r, err := p.call(ctx, op, "SearchCard", f, true, nil)
	if err != nil {
		return nil, err
	}
	return parseCards(r), nil
}

// parseCards turns SearchCard's column-oriented reply into cards.
func parseCards(r response) []Card {
	seqs := r.column("CardSeq")
	col := func(name string, i int) string {
		c := r.column(name)
		if i < len(c) {
			return c[i]
		}
		return ""
	}
	out := make([]Card, 0, len(seqs))
	for i, s := range seqs {
		out = append(out, Card{
			Seq:     s,
			Default: col("DefaultFlag", i) == "1",
			Name:    col("CardName", i),
			Number:  col("CardNo", i),
			Expire:  col("Expire", i),
			Holder:  col("HolderName", i),
			Deleted: col("DeleteFlag", i) == "1",
		})
	}
	return out
}

// DeleteCard deletes a stored card.
func (p *Provider) DeleteCard(ctx context.Context, memberID, cardSeq string) error {
	const op = "delete_card"
	f, err := p.siteForm(op, memberID)
	if err != nil {
		return err
	}
	if err := checkCardSeq(op, "CardSeq", cardSeq, false); err != nil {
		return err
	}
	f.add("SeqMode", "0")
	f.add("CardSeq", cardSeq)
	_, err = p.call(ctx, op, "DeleteCard", f, false, nil)
	return err
}
