/** The namespace Kubernetes' CRI plugin reads images from. */
export const DEFAULT_CONTAINERD_NAMESPACE = 'k8s.io';
