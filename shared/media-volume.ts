/** A volume as Ferry lists it: shared by the engine (`ferry media`), the API contract and the app. */

/** One mounted (or mountable) volume, as `ferry media` lists it. */
export interface Volume {
  /** Where it is mounted (`/media/alice/STICK`, `E:\`, `/Volumes/STICK`); null when it is not mounted. */
  mount: string | null;
  /** The volume label ('' when none). */
  label: string;
  /** The file system as the system names it (`vfat`, `exfat`, `FAT32`, `MS-DOS FAT32`, `ext4`…; '' unknown). */
  fsType: string;
  /** Bytes the file system holds (the partition's size when not mounted). */
  capacity: number;
  /** Bytes free for new files, or null when not mounted. */
  free: number | null;
  /** The device node of the volume (`/dev/sdb1`, `/dev/disk4s1`, `E:`). */
  device: string;
  /** The whole disk it lives on (`/dev/sdb`, `/dev/disk4`, `\\.\PHYSICALDRIVE1`; '' unknown). */
  disk: string;
  /** Removable media or attached over USB/SD/MMC/FireWire. */
  removable: boolean;
  /** How the disk is attached when the system says (`usb`, `mmc`, `sata`, `nvme`…; '' unknown). */
  transport: string;
  /** The disk's model name ('' unknown). */
  model: string;
  /** Mounted read-only. */
  readOnly: boolean;
}
