package engines

import (
	"path/filepath"
	"testing"

	fluxstatus "github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

// kstatus is what Helm 4's --wait=watcher computes for a custom resource (sigs.k8s.io/cli-utils); Flux's
// kustomize-controller and helm-controller use Flux's fork of the same package. Both judge every live state.
var kstatusEngines = map[string]func(*unstructured.Unstructured) (verdict, error){
	"sigs.k8s.io/cli-utils": func(u *unstructured.Unstructured) (verdict, error) {
		res, err := status.Compute(u)
		if err != nil {
			return verdict{}, err
		}
		return verdict{Status: res.Status.String(), Message: res.Message}, nil
	},
	"github.com/fluxcd/cli-utils": func(u *unstructured.Unstructured) (verdict, error) {
		res, err := fluxstatus.Compute(u)
		if err != nil {
			return verdict{}, err
		}
		return verdict{Status: res.Status.String(), Message: res.Message}, nil
	},
}

func TestKStatusOfLiveModelDeployments(t *testing.T) {
	for engine, compute := range kstatusEngines {
		for _, s := range liveStates(t) {
			t.Run(engine+"/"+s.Name, func(t *testing.T) {
				got, err := compute(readObject(t, filepath.Join(liveDir, s.InputPath)))
				if err != nil {
					t.Fatalf("kstatus could not compute a status: %v", err)
				}
				if got != s.KStatus {
					t.Errorf("%s says %+v, expected %+v", engine, got, s.KStatus)
				}
			})
		}
	}
}
