package helm

import (
	"errors"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
)

// transientMessages are the faults of a first install that go away by
// themselves within seconds: an admission webhook whose pods are not ready
// yet, an API (aggregated or CRD) not served yet, an apiserver restarting.
var transientMessages = []string{
	"no endpoints available for service",
	"failed calling webhook",
	"connection refused",
	"connection reset by peer",
	"i/o timeout",
	"tls handshake timeout",
	"the server is currently unable to handle the request",
	"the server could not find the requested resource",
	"no matches for kind",
	"ensure crds are installed first",
	"etcdserver: request timed out",
	"http2: client connection lost",
}

// transient reports whether retrying err later may succeed.
func transient(err error) bool {
	if err == nil {
		return false
	}
	if meta.IsNoMatchError(err) || apierrors.IsServiceUnavailable(err) || apierrors.IsServerTimeout(err) ||
		apierrors.IsTooManyRequests(err) || apierrors.IsTimeout(err) {
		return true
	}
	var se apierrors.APIStatus
	if errors.As(err, &se) && apierrors.IsInternalError(err) && strings.Contains(strings.ToLower(se.Status().Message), "webhook") {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, m := range transientMessages {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}
