package ctlog_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"

	ct "github.com/google/certificate-transparency-go"

	"github.com/chainproof/chainproof/internal/ctlog"
)

func ExampleLog_Add() {
	// A CA the log trusts, and a certificate it issued.
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "example CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	caCert, _ := x509.ParseCertificate(caDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafDER, _ := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(2), NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
	}, caCert, &leafKey.PublicKey, caKey)

	logKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	l, err := ctlog.New(logKey, [][]byte{caDER}, ctlog.Options{})
	if err != nil {
		panic(err)
	}
	resp, err := l.Add([][]byte{leafDER, caDER}, ct.X509LogEntryType)
	if err != nil {
		panic(err)
	}
	id := l.LogID()
	fmt.Println(resp.SCTVersion, bytes.Equal(resp.ID, id[:]))
	// Output: V1 true
}
