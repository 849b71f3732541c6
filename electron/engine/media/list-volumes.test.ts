// Volume listing: the mapping from systeminformation's rows (shaped as its lsblk, diskutil and
// CIM parsers return them on each system) to volumes, and the real listing on this machine.
import assert from 'node:assert/strict';
import { statfs } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { isFatFileSystem } from './file-system-type.js';
import { listVolumes, volumesFromSystemInfo, type BlockDeviceRow, type FsSizeRow } from './list-volumes.js';

const row = (r: Partial<BlockDeviceRow> & { name: string }): BlockDeviceRow => ({ type: 'part', fsType: '', mount: '', size: 0, label: '', model: '', removable: false, protocol: '', ...r });

describe('volumesFromSystemInfo', () => {
  test('Linux (lsblk rows): a stick, a USB disk that calls itself fixed, an unmounted SD card; the system disk only with all', () => {
    const blocks: BlockDeviceRow[] = [
      row({ name: 'nvme0n1', type: 'disk', size: 512e9, protocol: 'nvme', model: 'Samsung SSD', device: '/dev/nvme0n1' }),
      row({ name: 'nvme0n1p2', fsType: 'ext4', mount: '/', size: 500e9, device: '/dev/nvme0n1' }),
      row({ name: 'sdb', type: 'disk', size: 32e9, removable: true, protocol: 'usb', model: 'SanDisk Ultra', device: '/dev/sdb' }),
      row({ name: 'sdb1', fsType: 'vfat', mount: '/media/alice/STICK', label: 'STICK', size: 32e9, removable: true, device: '/dev/sdb' }),
      row({ name: 'sdc', type: 'disk', size: 2e12, protocol: 'usb', model: 'WD Passport', device: '/dev/sdc' }),
      row({ name: 'sdc1', fsType: 'exfat', mount: '/media/alice/PASSPORT', label: 'PASSPORT', size: 2e12, device: '/dev/sdc' }),
      row({ name: 'mmcblk0', type: 'disk', size: 64e9, protocol: 'mmc', device: '/dev/mmcblk0' }),
      row({ name: 'mmcblk0p1', fsType: 'exfat', label: 'CARD', size: 64e9, device: '/dev/mmcblk0' }),
      row({ name: 'sr0', type: 'rom', fsType: 'iso9660', mount: '/media/alice/CDROM', removable: true, protocol: 'sata' }),
      row({ name: 'sda2', fsType: 'swap', mount: '[SWAP]', device: '/dev/sda' }),
    ];
    const sizes: FsSizeRow[] = [
      { fs: '/dev/nvme0n1p2', type: 'ext4', size: 490e9, available: 100e9, mount: '/', rw: true },
      { fs: '/dev/sdb1', type: 'vfat', size: 31.9e9, available: 31e9, mount: '/media/alice/STICK', rw: true },
      { fs: '/dev/sdc1', type: 'exfat', size: 1.99e12, available: 1e12, mount: '/media/alice/PASSPORT', rw: false },
      { fs: 'server:/export', type: 'nfs4', size: 1e12, available: 5e11, mount: '/mnt/share', rw: true },
    ];
    const volumes = volumesFromSystemInfo(blocks, sizes, 'linux');
    const removable = volumes.filter((v) => v.removable);
    assert.deepEqual(
      removable.map((v) => [v.mount, v.device, v.fsType, v.transport]),
      [
        ['/media/alice/PASSPORT', '/dev/sdc1', 'exfat', 'usb'],
        ['/media/alice/STICK', '/dev/sdb1', 'vfat', 'usb'],
        [null, '/dev/mmcblk0p1', 'exfat', 'mmc'],
      ],
    );
    const stick = removable.find((v) => v.label === 'STICK')!;
    assert.deepEqual(
      { capacity: stick.capacity, free: stick.free, disk: stick.disk, model: stick.model, readOnly: stick.readOnly },
      { capacity: 31.9e9, free: 31e9, disk: '/dev/sdb', model: 'SanDisk Ultra', readOnly: false },
    );
    assert.equal(removable.find((v) => v.label === 'PASSPORT')!.readOnly, true);
    assert.equal(removable.find((v) => v.label === 'CARD')!.free, null, 'not mounted: no free space known');
    // the rest: the system disk and the NFS share, never the CD or swap
    assert.deepEqual(volumes.filter((v) => !v.removable).map((v) => v.mount), ['/', '/mnt/share']);
    assert.ok(!volumes.some((v) => v.fsType === 'iso9660' || v.fsType === 'swap'));
  });

  test('macOS (diskutil rows): a FAT32 stick; the internal APFS volume is not removable', () => {
    const blocks: BlockDeviceRow[] = [
      row({ name: '/dev/disk4', identifier: 'disk4', type: 'disk', size: 16e9, removable: true, protocol: 'USB', model: 'Kingston DataTraveler', device: '/dev/disk4' }),
      row({ name: '/dev/disk4s1', identifier: 'disk4s1', fsType: 'MS-DOS FAT32', mount: '/Volumes/KINGSTON', label: 'KINGSTON', size: 16e9, removable: true, protocol: 'USB', device: '/dev/disk4' }),
      row({ name: '/dev/disk3s5', identifier: 'disk3s5', type: 'virtual', fsType: 'APFS', mount: '/System/Volumes/Data', size: 494e9, protocol: 'Apple Fabric', device: '/dev/disk3' }),
    ];
    const sizes: FsSizeRow[] = [{ fs: '/dev/disk4s1', type: 'msdos', size: 15.9e9, available: 15e9, mount: '/Volumes/KINGSTON', rw: true }];
    const volumes = volumesFromSystemInfo(blocks, sizes, 'darwin');
    const stick = volumes.find((v) => v.removable)!;
    assert.deepEqual([stick.mount, stick.device, stick.fsType, stick.free, stick.transport], ['/Volumes/KINGSTON', '/dev/disk4s1', 'MS-DOS FAT32', 15e9, 'usb']);
    assert.ok(isFatFileSystem(stick.fsType));
    assert.equal(volumes.find((v) => v.fsType === 'APFS')!.removable, false);
  });

  test('Windows (CIM rows): DriveType 2 is removable, drive letters become roots, optical drives are left out', () => {
    const blocks: BlockDeviceRow[] = [
      row({ name: 'C:', identifier: 'C:', type: 'disk', fsType: 'ntfs', mount: 'C:', size: '512105984000' as unknown as number, physical: 'Local', label: 'Windows', device: '\\\\.\\PHYSICALDRIVE0' }),
      row({ name: 'E:', identifier: 'E:', type: 'disk', fsType: 'fat32', mount: 'E:', size: '31000000000' as unknown as number, physical: 'Removable', removable: true, label: 'STICK', device: '\\\\.\\PHYSICALDRIVE1' }),
      row({ name: 'D:', identifier: 'D:', type: 'disk', fsType: '', mount: 'D:', physical: 'CD/DVD' }),
    ];
    const sizes: FsSizeRow[] = [
      { fs: 'C:', type: 'NTFS', size: 512105984000, available: 1e11, mount: 'C:', rw: true },
      { fs: 'E:', type: 'FAT32', size: 31000000000, available: 3e10, mount: 'E:', rw: true },
    ];
    const volumes = volumesFromSystemInfo(blocks, sizes, 'win32');
    assert.deepEqual(
      volumes.map((v) => [v.mount, v.removable, v.fsType, v.capacity]),
      [
        ['E:\\', true, 'fat32', 31000000000],
        ['C:\\', false, 'ntfs', 512105984000],
      ],
    );
    assert.ok(isFatFileSystem(volumes[0]!.fsType));
  });
});

describe('listVolumes on this machine', () => {
  test('removable volumes: a well-formed list (usually empty in a VM)', async (t) => {
    const volumes = await listVolumes();
    t.diagnostic(`removable volumes here: ${volumes.length}`);
    for (const v of volumes) {
      assert.equal(v.removable, true);
      assert.equal(typeof v.device, 'string');
      assert.ok(v.capacity >= 0);
    }
  });

  test('all: the root file system is listed with the free space statfs reports', async () => {
    const volumes = await listVolumes({ all: true });
    const root = volumes.find((v) => v.mount === '/');
    assert.ok(root, JSON.stringify(volumes));
    const s = await statfs('/');
    assert.equal(root.capacity, s.blocks * s.bsize);
    // free space moves while other tests write; within 1 GB of statfs now
    assert.ok(Math.abs(root.free! - s.bavail * s.bsize) < 1e9, `${root.free} vs ${s.bavail * s.bsize}`);
    assert.ok(root.fsType.length > 0);
  });
});
