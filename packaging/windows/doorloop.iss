; Inno Setup script for the Doorloop desk app (Windows).
;
; Build the frozen app first (`python packaging\build.py` on Windows), then:
;   iscc /DAppVersion=0.1.0 packaging\windows\doorloop.iss
; The version comes from desktop.__version__ (CI passes it in; see
; .github/workflows/package.yml). Output: dist\installer\doorloop-<version>-setup.exe.
;
; Installs per machine into Program Files (IT departments deploy it silently with
; `doorloop-<version>-setup.exe /VERYSILENT /NORESTART`). User data is not touched on
; uninstall: the encrypted database lives in %LOCALAPPDATA%\Doorloop.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z packaging\windows\doorloop.iss
#endif

#define AppName "Doorloop"
#define AppExe "doorloop.exe"
#define Root "..\.."

[Setup]
; A fixed AppId keeps upgrades in place; never change it.
AppId={{6B0F4D8E-3C52-4A7E-9D1B-5E2A7C9F0D41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Doorloop
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist\installer
OutputBaseFilename=doorloop-{#AppVersion}-setup
SetupIconFile={#Root}\packaging\icons\doorloop.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
VersionInfoVersion={#AppVersion}
CloseApplications=yes

[Languages]
Name: "dutch"; MessagesFile: "compiler:Languages\Dutch.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
; The whole one-folder build; the old folder is replaced so no stale files remain.
Source: "{#Root}\dist\doorloop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; IconFilename: "{app}\{#AppExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
