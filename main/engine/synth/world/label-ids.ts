// The Cityscapes labelIds SynthDrive draws, by the names the builders use.
import { cityscapesId } from '../../../../shared/protocols/cityscapes-labels.js';

export const ID = {
  road: cityscapesId('road'),
  sidewalk: cityscapesId('sidewalk'),
  parking: cityscapesId('parking'),
  building: cityscapesId('building'),
  wall: cityscapesId('wall'),
  fence: cityscapesId('fence'),
  guardRail: cityscapesId('guard rail'),
  pole: cityscapesId('pole'),
  trafficLight: cityscapesId('traffic light'),
  trafficSign: cityscapesId('traffic sign'),
  vegetation: cityscapesId('vegetation'),
  terrain: cityscapesId('terrain'),
  sky: cityscapesId('sky'),
  person: cityscapesId('person'),
  rider: cityscapesId('rider'),
  car: cityscapesId('car'),
  truck: cityscapesId('truck'),
  bus: cityscapesId('bus'),
  motorcycle: cityscapesId('motorcycle'),
  bicycle: cityscapesId('bicycle'),
} as const;
