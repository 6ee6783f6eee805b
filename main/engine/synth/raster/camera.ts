// The pinhole camera of a frame and its world → camera rotation.

/** Near clipping plane, metres in front of the camera. */
export const NEAR = 0.05;

export interface CameraPose {
  readonly x: number;
  /** Height of the optical centre above the ground, metres. */
  readonly y: number;
  readonly z: number;
  /** Heading: 0 looks along +z, positive turns towards +x. */
  readonly yaw: number;
  /** Positive looks down. */
  readonly pitch: number;
  /** Focal length in pixels. */
  readonly f: number;
  readonly cx: number;
  readonly cy: number;
}

/**
 * Rows of the world → camera rotation into R (row-major 3×3): camera x right, y down, z forward, from
 * the heading and the pitch (no roll).
 */
export function cameraRotation(cam: CameraPose, R: Float64Array): void {
  const ct = Math.cos(cam.yaw);
  const st = Math.sin(cam.yaw);
  const cp = Math.cos(cam.pitch);
  const sp = Math.sin(cam.pitch);
  R[0] = ct;
  R[1] = 0;
  R[2] = -st;
  R[3] = -st * sp;
  R[4] = -cp;
  R[5] = -ct * sp;
  R[6] = st * cp;
  R[7] = -sp;
  R[8] = ct * cp;
}
